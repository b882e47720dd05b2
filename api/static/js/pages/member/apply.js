/* The toolbar's operations on one certificate (续签, 变更, 补办, 吊销, 解冻, 延长有效期, 变更手机号). */
import { request } from "../../lib/http.js";
import { byId } from "../../lib/dom.js";
import * as forms from "../../lib/forms.js";
import { bindSms, bindUpload } from "../../lib/widgets.js";

const root = document.getElementById("apply");
const form = document.getElementById("apply-form");
const kind = root.dataset.kind;
const uploaded = {};
const $ = byId;

const clearErrors = () => forms.clearErrors(form);
const fieldError = (name, message) => forms.fieldError(form, name, message);

$("send-sms").addEventListener("click", (e) => {
  if (kind === "phone_change" && !/^1[3-9]\d{9}$/.test($("new_phone").value.trim())) {
    e.stopImmediatePropagation();
    fieldError("new_phone", "请输入11位新手机号");
  }
});
bindSms($("send-sms"), $("sms-hint"), kind === "phone_change"
  ? () => ({ purpose: "phone_change", phone: $("new_phone").value.trim() })
  : { purpose: "application" }, (err) => fieldError("sms_code", err.message));
form.querySelectorAll(".upload input[type=file]").forEach((input) => {
  const k = input.dataset.kind;
  bindUpload(input, form.querySelector("[data-preview-for='" + k + "']"), Number(root.dataset.maxMb),
    (row) => { uploaded[k] = row.id; },
    (err) => { delete uploaded[k]; fieldError("attachments." + k, err.message); });
});

function body(withOrder) {
  const out = { sms_code: $("sms_code").value.trim(), attachments: {}, create_order: false };
  for (const [k, id] of Object.entries(uploaded)) out.attachments[k] = [id];
  if ($("period_years")) out.period_years = Number($("period_years").value) || null;
  if ($("reason")) out.reason = $("reason").value || null;
  if ($("new_phone")) out.new_phone = $("new_phone").value.trim() || null;
  if ($("handler_name")) {
    out.handler = { name: $("handler_name").value.trim(), contact: $("handler_contact").value.trim(),
                    id_type: $("id_type").value, id_number: $("id_number").value.trim() };
  }
  return out;
}

async function submit(withOrder) {
  clearErrors();
  if (!/^\d{6}$/.test($("sms_code").value.trim())) { fieldError("sms_code", "请输入6位数字验证码"); return; }
  const buttons = form.querySelectorAll(".actions button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const done = await request("POST", "/api/v1/certificates/" + root.dataset.certId + "/" + kind, body(withOrder));
    const app = done.application;
    window.location.href = withOrder && app.status === "pending_order"
      ? root.dataset.orderUrl + "?applications=" + app.id : root.dataset.listUrl;
  } catch (err) {
    buttons.forEach((b) => { b.disabled = false; });
    forms.showErrors(form, err);
  }
}
$("submit").addEventListener("click", () => submit(false));
if ($("submit-order")) $("submit-order").addEventListener("click", () => submit(true));
