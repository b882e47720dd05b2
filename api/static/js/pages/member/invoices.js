/* F1 发票信息: 新增, 修改, 默认发票, 删除 (after an in-page confirmation); the page reloads after each change.
   From 生成订单 (``?add=1`` or ``?edit=<id>`` with ``back=<that page>``) the form opens at once and saving returns
   there, with the saved profile chosen. */
import { request } from "../../lib/http.js";
import { showFieldMessages, showMessage } from "../../lib/forms.js";

const form = document.getElementById("profile-form");
const FIELDS = ["title", "tax_number", "address", "phone", "bank_name", "bank_account", "email"];

function open(profile) {
  form.reset();
  form.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; });
  document.getElementById("form-error").hidden = true;
  form.elements.id.value = profile ? String(profile.id) : "";
  document.getElementById("form-title").textContent = profile ? "修改发票信息" : "新增发票信息";
  if (profile) {
    form.elements.invoice_type.value = profile.invoice_type;
    for (const f of FIELDS) form.elements[f].value = profile[f] || "";
    form.elements.is_default.checked = profile.is_default;
  }
  form.hidden = false;
  form.elements.title.focus();
}

function fail(err) {
  showFieldMessages(form, err.fields);
  showMessage(document.getElementById("form-error"), err.message);
}

const params = new URLSearchParams(window.location.search);
const back = (params.get("back") || "").startsWith("/member/") ? params.get("back") : "";

function returnTo(profileId) {
  const target = new URL(back, window.location.origin);
  if (profileId) target.searchParams.set("invoice_profile_id", String(profileId));
  window.location.href = target.pathname + target.search;
}

document.getElementById("add").addEventListener("click", () => open(null));
document.getElementById("cancel").addEventListener("click", () => { if (back) returnTo(null); else form.hidden = true; });
if (params.get("add")) open(null);
if (params.get("edit")) {
  const row = document.querySelector("tr[data-profile-id='" + params.get("edit") + "']");
  if (row) open(JSON.parse(row.dataset.profile));
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  form.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; });
  const body = { invoice_type: form.elements.invoice_type.value, is_default: form.elements.is_default.checked };
  for (const f of FIELDS) body[f] = form.elements[f].value.trim();
  const id = form.elements.id.value;
  try {
    const saved = await request(id ? "PUT" : "POST", "/api/v1/invoice-profiles" + (id ? "/" + id : ""), body);
    if (back) returnTo(saved.id); else window.location.reload();
  } catch (err) { fail(err); }
});

document.getElementById("profiles").addEventListener("click", async (e) => {
  const action = e.target.getAttribute("data-action");
  const row = e.target.closest("tr[data-profile-id]");
  if (!action || !row) return;
  const id = row.dataset.profileId;
  const confirm = row.querySelector(".confirm");
  try {
    if (action === "edit") open(JSON.parse(row.dataset.profile));
    else if (action === "delete") confirm.hidden = false;
    else if (action === "cancel-delete") confirm.hidden = true;
    else if (action === "confirm-delete") {
      await request("DELETE", "/api/v1/invoice-profiles/" + id + "?confirm=true");
      window.location.reload();
    } else if (action === "default") {
      await request("POST", "/api/v1/invoice-profiles/" + id + "/default");
      window.location.reload();
    }
  } catch (err) {
    const notice = document.getElementById("notice");
    notice.textContent = err.message;
    notice.hidden = false;
  }
});
