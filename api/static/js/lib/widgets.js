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
      preview.replaceChildren();
      const url = "/api/v1/uploads/" + row.id;
      if (tool) {
        preview.appendChild(el("img", { src: url + "/preview.png", alt: row.kind_label + "处理结果预览",
                                        "data-upload-id": String(row.id), "data-tool": tool }));
      } else if (row.content_type.startsWith("image/")) {
        preview.appendChild(el("img", { src: url, alt: row.kind_label + "预览", "data-upload-id": String(row.id) }));
      }
      preview.appendChild(el("a", { href: url, "data-upload-id": String(row.id) }, "已上传：" + row.filename));
      done(row);
    } catch (err) {
      preview.textContent = "";
      failed(err);
    }
  });
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
