/* 重新申请 (B6) of a rejected application: handler, replaced attachments, SMS code → 待审核. */
import { request } from "../../lib/http.js";
import { byId } from "../../lib/dom.js";
import * as forms from "../../lib/forms.js";
import { bindSms, bindUpload } from "../../lib/widgets.js";

const form = document.getElementById("reapply");
const appId = document.getElementById("application").dataset.applicationId;
const uploaded = {};
const $ = byId;

const clearErrors = () => forms.clearErrors(form);
const fieldError = (name, message) => forms.fieldError(form, name, message);

bindSms($("send-sms"), $("sms-hint"), { purpose: "application" }, (err) => fieldError("sms_code", err.message));
form.querySelectorAll(".upload input[type=file]").forEach((input) => {
  const k = input.dataset.kind;
  bindUpload(input, form.querySelector("[data-preview-for='" + k + "']"), Number(form.dataset.maxMb),
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
    await request("POST", "/api/v1/applications/" + appId + "/reapply", body);
    window.location.href = window.location.pathname;
  } catch (err) {
    button.disabled = false;
    forms.showErrors(form, err);
  }
});
