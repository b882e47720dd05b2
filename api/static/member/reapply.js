/* 重新申请 (B6) of a rejected application: handler, replaced attachments, SMS code → 待审核. */
"use strict";
(function () {
  const api = window.MemberApi;
  const form = document.getElementById("reapply");
  const appId = document.getElementById("application").dataset.applicationId;
  const uploaded = {};
  const $ = (id) => document.getElementById(id);

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
    $("form-error").hidden = true;
  }

  function fieldError(name, message) {
    const p = form.querySelector("[data-error-for='" + name + "']");
    if (!p) return false;
    p.textContent = message;
    p.hidden = false;
    const input = form.querySelector("[name='" + name + "']");
    if (input) input.setAttribute("aria-invalid", "true");
    return true;
  }

  api.bindSms($("send-sms"), $("sms-hint"), { purpose: "application" }, (err) => fieldError("sms_code", err.message));
  form.querySelectorAll(".upload input[type=file]").forEach((input) => {
    const k = input.dataset.kind;
    api.bindUpload(input, form.querySelector("[data-preview-for='" + k + "']"), Number(form.dataset.maxMb),
      (row) => { uploaded[k] = row.id; },
      (err) => { delete uploaded[k]; fieldError("attachments." + k, err.message); });
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearErrors();
    const code = $("sms_code").value.trim();
    if (!/^\d{6}$/.test(code)) { fieldError("sms_code", "请输入6位数字验证码"); return; }
    const body = { sms_code: code, attachments: {} };
    for (const [k, id] of Object.entries(uploaded)) body.attachments[k] = [id];
    if ($("id_number").value.trim()) {
      body.handler = { name: $("handler_name").value.trim(), contact: $("handler_contact").value.trim(),
                       id_type: $("id_type").value, id_number: $("id_number").value.trim() };
    }
    const button = $("reapply-submit");
    button.disabled = true;
    try {
      await api.call("POST", "/api/v1/applications/" + appId + "/reapply", body);
      window.location.href = window.location.pathname;
    } catch (err) {
      button.disabled = false;
      for (const [name, message] of Object.entries(err.fields || {})) fieldError(name, message);
      $("form-error").textContent = err.message;
      $("form-error").hidden = false;
    }
  });
})();
