// 扫码签章 step 1: upload the PDF. Checked here for type and size; the server checks it for real (magic bytes,
// size, encryption, readability) and answers in Chinese, shown next to the field. Nothing typed is lost.
import { request } from "../lib/http.js";

const form = document.getElementById("upload-form");
const maxBytes = Number(form.dataset.maxBytes);
const button = document.getElementById("upload");
const busy = document.getElementById("busy");
const NETWORK_ERROR = "网络错误，请检查网络后重试";
const errors = {
  file: document.getElementById("file-error"),
  title: document.getElementById("title-error"),
  form: document.getElementById("form-error")
};

function clear() {
  Object.keys(errors).forEach(function (k) { errors[k].hidden = true; errors[k].textContent = ""; });
  form.file.removeAttribute("aria-invalid");
}

function show(where, message) {
  errors[where].textContent = message;
  errors[where].hidden = false;
  if (where === "file") { form.file.setAttribute("aria-invalid", "true"); }
}

function checkFile(file) {
  if (!file) { return "请选择要签署的PDF文件"; }
  const name = file.name.toLowerCase();
  if (file.type !== "application/pdf" && !name.endsWith(".pdf")) { return "只能上传 PDF 文件"; }
  if (file.size === 0) { return "文件是空的"; }
  if (file.size > maxBytes) { return "文件超过" + form.dataset.maxMb + "MB，请压缩后再上传"; }
  return null;
}

form.file.addEventListener("change", function () {
  clear();
  const problem = checkFile(form.file.files[0]);
  if (problem) { show("file", problem); }
});

form.addEventListener("submit", async function (event) {
  event.preventDefault();
  clear();
  const file = form.file.files[0];
  const problem = checkFile(file);
  if (problem) { show("file", problem); form.file.focus(); return; }
  const data = new FormData();
  data.append("file", file);
  data.append("title", form.title.value);
  button.disabled = true;
  busy.hidden = false;
  let draft;
  try {
    draft = await request("POST", "/api/v1/drafts", data, { offline: NETWORK_ERROR, fallback: "" });
  } catch (err) {
    button.disabled = false;
    busy.hidden = true;
    if (!err.status) { show("form", err.message); return; }
    const titleProblem = err.fields.title;
    if (titleProblem) { show("title", titleProblem); return; }
    const fileProblem = err.fields.file;
    if (fileProblem || err.status === 413 || String(err.code || "").indexOf("pdf_") === 0) {
      show("file", fileProblem || err.message || "文件无法上传");
      form.file.focus();
      return;
    }
    show("form", err.message || "上传失败，请稍后重试");
    return;
  }
  window.location.assign("/sign/draft/" + encodeURIComponent(draft.id));
});
