/* B6 审核: 审核通过 with 维护印章信息, or 驳回 with an opinion; then the page shows the new state. */
import { request } from "../../lib/http.js";
import { showFieldMessages, showMessage } from "../../lib/forms.js";

const root = document.getElementById("review");
const approveForm = document.getElementById("approve-form");
const rejectForm = document.getElementById("reject-form");
const base = "/api/v1/review/applications/" + root.dataset.applicationId;
bindShipping();
if (approveForm) bindDecision();

/* 审核通过 / 驳回 (only while the application waits for review). */
function bindDecision() {
  const error = document.getElementById("form-error");

  function fail(err) {
    root.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = false; });
    showFieldMessages(root, err.fields);
    showMessage(error, err.message);
  }

  approveForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    const seals = {};
    for (const kind of ["company", "legal_rep"]) {
      const chosen = approveForm.querySelector("input[name=" + kind + "]:checked");
      if (chosen) {
        seals[kind] = { attachment_id: Number(chosen.value),
                        cutout: approveForm.querySelector("input[name=" + kind + "_cutout]").checked };
      }
    }
    root.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    try {
      await request("POST", base + "/approve", { seals: seals });
      window.location.reload();
    } catch (err) { fail(err); }
  });

  rejectForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.hidden = true;
    const opinion = document.getElementById("opinion").value.trim();
    const p = rejectForm.querySelector("[data-error-for=opinion]");
    if (!opinion) { p.textContent = "请填写驳回意见"; p.hidden = false; return; }
    p.hidden = true;
    root.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = true; });
    try {
      await request("POST", base + "/reject", { opinion: opinion });
      window.location.reload();
    } catch (err) { fail(err); }
  });
}

/* I 实体KEY: 制作并邮寄 (the server makes the key on the KEY; 快递公司, 运单号), then 已签收; the page shows
   the new state. */
function bindShipping() {
  const shipForm = document.getElementById("ship-form");
  const deliveredButton = document.getElementById("delivered");
  const shipError = document.getElementById("ship-error");
  function shipFail(button, err) {
    button.disabled = false;
    showFieldMessages(document.getElementById("shipping"), err.fields);
    showMessage(shipError, err.message);
  }
  if (shipForm) {
    shipForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      shipError.hidden = true;
      shipForm.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; });
      const value = (id) => document.getElementById(id).value.trim();
      const missing = { carrier: "请填写快递公司", tracking_number: "请填写运单号" };
      let ok = true;
      for (const [name, message] of Object.entries(missing)) {
        if (!value(name)) {
          const p = shipForm.querySelector("[data-error-for=" + name + "]");
          p.textContent = message; p.hidden = false; ok = false;
        }
      }
      if (!ok) return;
      const button = document.getElementById("ship");
      button.disabled = true;
      try {
        await request("POST", base + "/ship", { carrier: value("carrier"), tracking_number: value("tracking_number"),
                                                 pin_verifier: value("pin_verifier") || null });
        window.location.reload();
      } catch (err) { shipFail(button, err); }
    });
  }
  if (deliveredButton) {
    deliveredButton.addEventListener("click", async () => {
      shipError.hidden = true;
      deliveredButton.disabled = true;
      try {
        await request("POST", base + "/delivered");
        window.location.reload();
      } catch (err) { shipFail(deliveredButton, err); }
    });
  }
}
