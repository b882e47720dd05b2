"use strict";
// 扫码签章 step 1: upload the PDF. Checked here for type and size; the server checks it for real (magic bytes,
// size, encryption, readability) and answers in Chinese, shown next to the field. Nothing typed is lost.
(function () {
  const form = document.getElementById("upload-form");
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const maxBytes = Number(form.dataset.maxBytes);
  const button = document.getElementById("upload");
  const busy = document.getElementById("busy");
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

  function firstDetail(details, key) {
    const value = details && details[key];
    return Array.isArray(value) && value.length ? String(value[0]) : null;
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
    let resp;
    let body = {};
    try {
      resp = await fetch("/api/v1/drafts", {
        method: "POST", body: data, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin"
      });
      body = await resp.json().catch(function () { return {}; });
    } catch (err) {
      show("form", "网络错误，请检查网络后重试");
      button.disabled = false;
      busy.hidden = true;
      return;
    }
    if (resp.ok) {
      window.location.assign("/sign/draft/" + encodeURIComponent(body.id));
      return;
    }
    button.disabled = false;
    busy.hidden = true;
    const err = body.error || {};
    const titleProblem = firstDetail(err.details, "title");
    if (titleProblem) { show("title", titleProblem); return; }
    const fileProblem = firstDetail(err.details, "file");
    if (fileProblem || resp.status === 413 || String(err.code || "").indexOf("pdf_") === 0) {
      show("file", fileProblem || err.message || "文件无法上传");
      form.file.focus();
      return;
    }
    show("form", err.message || "上传失败，请稍后重试");
  });
})();
