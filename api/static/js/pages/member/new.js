/* B1–B3 新签: three steps on one page (nothing typed is lost), uploads with previews, SMS code, submit. */
import { request } from "../../lib/http.js";
import { byId, el, yuan } from "../../lib/dom.js";
import * as forms from "../../lib/forms.js";
import { bindResize, bindSms, bindUpload } from "../../lib/widgets.js";

const root = document.getElementById("wizard");
const form = document.getElementById("new-form");
const AGREEMENTS = ["cfca_service_agreement", "cfca_cps", "cfca_security_notice", "cfca_core_terms",
                    "platform_service_agreement"];
const STEP_OF = { agreements: 1, certificate_kind: 1 };
const uploaded = {};
let accounts = [];
let loadedKind = null;

function kind() { return form.querySelector("input[name=certificate_kind]:checked").value; }
const $ = byId;

const clearErrors = () => forms.clearErrors(form);
const fieldError = (name, message) => forms.fieldError(form, name, message, (n) =>
  form.querySelector("[name='" + n + "']") || form.querySelector("[data-kind='" + n.replace("attachments.", "") + "'] input"));

function stepOf(name) {
  if (STEP_OF[name]) return STEP_OF[name];
  return name.startsWith("attachments") ? 3 : 2;
}

function go(step) {
  root.querySelectorAll(".step").forEach((s) => { s.hidden = s.dataset.step !== String(step); });
  root.querySelectorAll(".steps li").forEach((li) => {
    const n = Number(li.dataset.step);
    li.className = n === step ? "current" : n < step ? "done" : "";
    if (n === step) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
  });
  if (step === 2) enterInfo();
  window.scrollTo(0, 0);
}

async function enterInfo() {
  const k = kind();
  $("kind-label").textContent = k === "key" ? "实体KEY证书" : "移动端证书";
  $("delivery").hidden = k !== "key";
  $("period_years").querySelectorAll("option").forEach((o) => { o.hidden = o.dataset.kind !== k; });
  const current = $("period_years").selectedOptions[0];
  if (!current || current.hidden) {
    const first = Array.from($("period_years").options).find((o) => !o.hidden);
    if (first) first.selected = true;
  }
  price();
  if (loadedKind === k) return;
  try {
    accounts = (await request("GET", "/api/v1/accounts/eligible?certificate_kind=" + k)).items;
    loadedKind = k;
  } catch (err) {
    fieldError("bind_account_id", err.message);
    return;
  }
  const select = $("bind_account_id");
  const keep = select.value;
  select.replaceChildren(el("option", { value: "" }, "请选择"));
  for (const a of accounts) select.appendChild(el("option", { value: String(a.id) }, a.username + "（" + a.name + "）"));
  if (accounts.some((a) => String(a.id) === keep)) select.value = keep;
  bound();
}

function price() {
  const option = $("period_years").selectedOptions[0];
  $("price").textContent = option && !option.hidden ? yuan(Number(option.dataset.price)) : "-";
}

function bound() {
  const a = accounts.find((x) => String(x.id) === $("bind_account_id").value);
  $("bind_name").value = a ? a.name : "";
  if (a && !$("bind_phone").value) $("bind_phone").value = a.phone || "";
}

function checkStep1() {
  clearErrors();
  if (!$("agree").checked) { fieldError("agreements", "请阅读并同意CFCA及平台数字证书使用规则"); return false; }
  return true;
}

function checkStep2() {
  clearErrors();
  $("step2-error").hidden = true;
  const required = { bind_account_id: "请选择绑定账号", "handler.name": "请填写办理人姓名",
                     "handler.contact": "请填写办理人联系方式", "handler.id_number": "请填写证件号码" };
  let ok = true;
  for (const [name, message] of Object.entries(required)) {
    const input = form.querySelector("[name='" + name + "']");
    if (!input.value.trim()) { fieldError(name, message); ok = false; }
  }
  const phone = $("bind_phone").value.trim();
  if (phone && !/^1[3-9]\d{9}$/.test(phone)) { fieldError("bind_phone", "绑定人电话应为11位手机号"); ok = false; }
  if (kind() === "key") {
    const delivery = { "delivery.recipient": "请填写收件人", "delivery.phone": "请填写收件人联系电话",
                       "delivery.address": "请填写邮寄地址" };
    for (const [name, message] of Object.entries(delivery)) {
      if (!form.querySelector("[name='" + name + "']").value.trim()) { fieldError(name, message); ok = false; }
    }
  }
  if (!/^\d{6}$/.test($("sms_code").value.trim())) { fieldError("sms_code", "请输入6位数字验证码"); ok = false; }
  return ok;
}

/* 保存并下一步: the server checks 办理信息 and the SMS code with the submission's rule; the wrong fields are
   shown on this step and the wizard stays here. */
async function confirmStep2(button) {
  const error = $("step2-error");
  error.hidden = true;
  button.disabled = true;
  try {
    const b = body();
    await request("POST", "/api/v1/applications/new/check", {
      certificate_kind: b.certificate_kind, seal_type: b.seal_type, period_years: b.period_years,
      bind_account_id: b.bind_account_id, bind_phone: b.bind_phone, handler: b.handler, sms_code: b.sms_code });
    return true;
  } catch (err) {
    let marked = 0;
    for (const [name, message] of Object.entries(err.fields || {})) if (fieldError(name, message)) marked++;
    forms.showMessage(error, marked > 1 ? "有" + marked + "项填写有误，请按提示修改后再继续" : err.message);
    const shown = form.querySelector(".step[data-step='2'] .field-error:not([hidden])");
    if (shown) shown.scrollIntoView({ block: "center" });
    return false;
  } finally {
    button.disabled = false;
  }
}

root.querySelectorAll("[data-next]").forEach((b) => b.addEventListener("click", async () => {
  const target = Number(b.dataset.next);
  const from = Number(b.closest(".step").dataset.step);
  if (target > from && from === 1 && !checkStep1()) return;
  if (target > from && from === 2 && !(checkStep2() && await confirmStep2(b))) return;
  go(target);
}));
/* The attachments' required marks follow 印章类型 (the seal images and 印章采集表 only when there are seals). */
function requiredMarks() {
  const seal = $("seal_type").value;
  form.querySelectorAll(".req[data-required-for]").forEach((mark) => {
    mark.hidden = !mark.dataset.requiredFor.split(" ").includes(seal);
  });
}
$("seal_type").addEventListener("change", requiredMarks);
requiredMarks();
$("period_years").addEventListener("change", price);
$("bind_account_id").addEventListener("change", bound);

bindSms($("send-sms"), $("sms-hint"), { purpose: "application" }, (err) => fieldError("sms_code", err.message));

form.querySelectorAll(".upload input[type=file]").forEach((input) => {
  const k = input.dataset.kind;
  const error = form.querySelector("[data-error-for='attachments." + k + "']");
  input.addEventListener("change", () => {
    error.hidden = true;
    form.querySelectorAll(".upload[data-kind='" + k + "'] input").forEach((i) => i.removeAttribute("aria-invalid"));
  });
  const preview = form.querySelector("[data-preview-for='" + k + "']");
  const failed = (err) => { delete uploaded[k]; fieldError("attachments." + k, err.message); };
  const panel = input.dataset.tool === "normalize" ? form.querySelector("[data-resize-for='" + k + "']") : null;
  const resize = panel ? bindResize(panel, preview, k, (row) => { uploaded[k] = row.id; }, failed) : null;
  bindUpload(input, preview, Number(root.dataset.maxMb), (row, file) => {
    uploaded[k] = row.id;
    if (resize) resize(file);
  }, failed);
});

function body() {
  const attachments = {};
  for (const [k, id] of Object.entries(uploaded)) attachments[k] = [id];
  const phone = $("bind_phone").value.trim();
  return {
    certificate_kind: kind(),
    agreements: $("agree").checked ? AGREEMENTS : [],
    seal_type: $("seal_type").value,
    period_years: Number($("period_years").value),
    bind_account_id: Number($("bind_account_id").value) || 0,
    bind_phone: phone || null,
    delivery: kind() === "key" ? { recipient: $("recipient").value.trim(), phone: $("recipient_phone").value.trim(),
                                   address: $("mailing_address").value.trim() } : null,
    handler: { name: $("handler_name").value.trim(), contact: $("handler_contact").value.trim(),
               id_type: $("id_type").value, id_number: $("id_number").value.trim() },
    attachments: attachments,
    sms_code: $("sms_code").value.trim(),
  };
}

async function submit(withOrder) {
  clearErrors();
  const buttons = [$("submit"), $("submit-order")];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const done = await request("POST", "/api/v1/applications/new", body());
    const id = done.application.id;
    window.location.href = withOrder ? root.dataset.orderUrl + "?applications=" + id : root.dataset.listUrl;
  } catch (err) {
    buttons.forEach((b) => { b.disabled = false; });
    const names = Object.keys(err.fields || {});
    let first = 0;
    for (const name of names) {
      if (fieldError(name, err.fields[name])) first = first ? Math.min(first, stepOf(name)) : stepOf(name);
    }
    if (first) go(first);
    forms.showMessage($("form-error"), err.message);
    if (first && first !== 3) {
      const shown = form.querySelector(".step[data-step='" + first + "'] .field-error:not([hidden])");
      if (shown) shown.scrollIntoView({ block: "center" });
    }
  }
}
$("submit").addEventListener("click", () => submit(false));
$("submit-order").addEventListener("click", () => submit(true));
