/* Member form widgets: 附件上传 and 发送验证码. */
import { request } from "./http.js";
import { el } from "./dom.js";

/* 附件上传: the file goes up at once (POST /api/v1/uploads) and the preview shows what the server stored.
   An input with data-tool goes through that seal image tool (在线制作, 抠图, 线下上传) instead, and its transparent
   result is previewed over a checkerboard. */
export function bindUpload(input, preview, maxMb, done, failed) {
  input.addEventListener("change", async () => {
    const file = input.files[0];
    input.removeAttribute("aria-invalid");
    if (!file) return;
    if (file.size > maxMb * 1024 * 1024) { failed({ message: "文件不能超过" + maxMb + "MB" }); return; }
    const body = new FormData();
    body.append("kind", input.dataset.kind);
    body.append("file", file);
    const tool = input.dataset.tool;
    preview.textContent = tool ? "正在处理…" : "正在上传…";
    try {
      const row = await request("POST", tool ? "/api/v1/seal-tools/" + tool : "/api/v1/uploads", body);
      input.value = "";
      showStored(preview, row, tool);
      done(row, file);
    } catch (err) {
      preview.textContent = "";
      failed(err);
    }
  });
}

/* What the server stored: the image (a tool's result over a checkerboard) and its link. */
function showStored(preview, row, tool) {
  preview.replaceChildren();
  const url = "/api/v1/uploads/" + row.id;
  if (tool) {
    preview.appendChild(el("img", { src: url + "/preview.png", alt: row.kind_label + "处理结果预览",
                                    "data-upload-id": String(row.id), "data-tool": tool }));
  } else if (row.content_type.startsWith("image/")) {
    preview.appendChild(el("img", { src: url, alt: row.kind_label + "预览", "data-upload-id": String(row.id) }));
  }
  preview.appendChild(el("a", { href: url, "data-upload-id": String(row.id) }, "已上传：" + row.filename));
}

/* 线下上传's 调整印章大小: the slider resizes the seal inside its box at once (on the page), 应用 stores the image
   made at that size from the same PNG (the normalize tool with ``scale``). `panel` holds a range input, an
   output, a framed img and the apply button. */
export function bindResize(panel, preview, kind, done, failed) {
  const range = panel.querySelector("input[type=range]");
  const output = panel.querySelector("output");
  const img = panel.querySelector("img");
  const apply = panel.querySelector("button");
  let file = null;
  const show = () => {
    output.textContent = range.value + "%";
    img.style.transform = "scale(" + Number(range.value) / 100 + ")";
  };
  range.addEventListener("input", show);
  apply.addEventListener("click", async () => {
    if (!file) return;
    const body = new FormData();
    body.append("kind", kind);
    body.append("file", file);
    body.append("scale", range.value);
    apply.disabled = true;
    try {
      const row = await request("POST", "/api/v1/seal-tools/normalize", body);
      showStored(preview, row, "normalize");
      done(row);
    } catch (err) {
      failed(err);
    } finally {
      apply.disabled = false;
    }
  });
  return (chosen) => {  /* a new 线下上传: resize that PNG, from full size */
    file = chosen;
    const reader = new FileReader();  /* a data: URL (the pages' CSP allows no blob: images) */
    reader.addEventListener("load", () => { img.src = String(reader.result); });
    reader.readAsDataURL(chosen);
    range.value = "100";
    show();
    panel.hidden = false;
  };
}

/* 发送验证码, then a 60 s countdown before the next one. `body` may be a function read at each click. */
export function bindSms(button, hint, body, failed) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const sent = await request("POST", "/api/v1/sms/send", typeof body === "function" ? body() : body);
      hint.textContent = "验证码已发送至" + sent.phone + "，5分钟内有效";
      let left = 60;
      button.textContent = left + "秒后重新获取";
      const timer = setInterval(() => {
        left -= 1;
        if (left <= 0) { clearInterval(timer); button.disabled = false; button.textContent = "发送验证码"; }
        else button.textContent = left + "秒后重新获取";
      }, 1000);
    } catch (err) {
      button.disabled = false;
      failed(err);
    }
  });
}
