/* The member pages' one way to call the JSON API: same origin, the session cookie, the CSRF header. */
"use strict";
window.MemberApi = (function () {
  const token = document.querySelector("meta[name=csrf-token]").getAttribute("content");

  function flatten(details, prefix, out) {
    for (const [key, value] of Object.entries(details || {})) {
      const name = prefix ? prefix + "." + key : key;
      if (Array.isArray(value)) out[name] = value.map(String).join("；");
      else if (value && typeof value === "object") flatten(value, name, out);
      else out[name] = String(value);
    }
    return out;
  }

  async function call(method, path, body) {
    const options = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": token } };
    if (body instanceof FormData) options.body = body;
    else if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let resp;
    try {
      resp = await fetch(path, options);
    } catch (e) {
      throw { message: "网络连接失败，请稍后重试", fields: {} };
    }
    const data = resp.status === 204 ? null : await resp.json().catch(() => null);
    if (!resp.ok) {
      const err = (data && data.error) || {};
      throw { status: resp.status, code: err.code, message: err.message || "操作失败，请稍后重试",
              fields: flatten(err.details, "", {}) };
    }
    return data;
  }

  function yuan(fen) { return (fen / 100).toFixed(2); }
  function date(iso) {
    if (!iso) return "-";
    const d = new Date(iso);
    const p = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }
  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "className") node.className = v; else node.setAttribute(k, v);
    }
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  /* 附件上传: the file goes up at once (POST /api/v1/uploads) and the preview shows what the server stored.
     An input with data-tool goes through that seal image tool (在线制作, 抠图, 线下上传) instead, and its transparent
     result is previewed over a checkerboard. */
  function bindUpload(input, preview, maxMb, done, failed) {
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
        const row = await call("POST", tool ? "/api/v1/seal-tools/" + tool : "/api/v1/uploads", body);
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

  /* 发送验证码, then a 60 s countdown before the next one. */
  function bindSms(button, hint, body, failed) {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const sent = await call("POST", "/api/v1/sms/send", typeof body === "function" ? body() : body);
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
  return { call: call, yuan: yuan, date: date, el: el, token: token, bindUpload: bindUpload, bindSms: bindSms };
})();
