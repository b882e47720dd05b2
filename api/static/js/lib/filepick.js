/* The one file picker of the pages: the browser's own control (its "Choose File" / "No file chosen" follow the
   browser's language) is hidden but stays focusable and keeps its id, name and events; a Chinese button
   (a label for it) and the chosen file's name stand in its place. */
import { el } from "./dom.js";

let counter = 0;

function describe(input) {
  const files = Array.from(input.files || []);
  if (files.length === 0) return "未选择文件";
  return files.length === 1 ? files[0].name : "已选择" + files.length + "个文件";
}

/* Wrap one <input type=file> once. */
export function enhance(input) {
  if (input.dataset.picker) return;
  input.dataset.picker = "1";
  if (!input.id) input.id = "file-pick-" + (++counter);
  const wrap = el("span", { className: "file-pick" });
  const button = el("label", { className: "button file-pick-button", for: input.id }, "选择文件");
  const name = el("span", { className: "file-pick-name", "aria-live": "polite" }, describe(input));
  input.classList.add("file-pick-input");
  input.before(wrap);
  wrap.append(input, button, name);
  const refresh = () => { name.textContent = describe(input); };
  input.addEventListener("change", refresh);
  if (input.form) input.form.addEventListener("reset", () => setTimeout(refresh, 0));
}

/* Every file input under `root`, now and whenever a page script adds one. */
export function enhanceAll(root) {
  root.querySelectorAll("input[type=file]").forEach(enhance);
  new MutationObserver((changes) => {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (!(node instanceof Element)) continue;
        if (node.matches("input[type=file]")) enhance(node);
        else node.querySelectorAll("input[type=file]").forEach(enhance);
      }
    }
  }).observe(root, { childList: true, subtree: true });
}
