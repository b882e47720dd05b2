"use strict";
(function () {
  const form = document.getElementById("create-form");
  const errorBox = document.getElementById("create-error");
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    const data = new FormData();
    data.append("file", form.file.files[0]);
    data.append("title", form.title.value);
    data.append("placements", JSON.stringify([{
      seal: form.seal.value, page: Number(form.page.value), x: Number(form.x.value), y: Number(form.y.value),
      width: Number(form.width.value), height: Number(form.height.value)
    }]));
    const resp = await fetch("/api/v1/signing-sessions", {
      method: "POST", body: data, headers: { "X-CSRF-Token": csrf }, credentials: "same-origin"
    });
    const body = await resp.json().catch(function () { return {}; });
    if (!resp.ok) {
      const err = body.error || {};
      const details = err.details ? " " + JSON.stringify(err.details) : "";
      errorBox.textContent = (err.message || "提交失败") + details;
      errorBox.hidden = false;
      return;
    }
    window.location.assign("/sign/" + encodeURIComponent(body.id));
  });
})();
