/* B6 审核: 审核通过 with 维护印章信息, or 驳回 with an opinion; then the page shows the new state. */
"use strict";
(function () {
  const api = window.MemberApi;
  const root = document.getElementById("review");
  const approveForm = document.getElementById("approve-form");
  const rejectForm = document.getElementById("reject-form");
  if (!approveForm) return;
  const base = "/api/v1/review/applications/" + root.dataset.applicationId;
  const error = document.getElementById("form-error");

  function fail(err) {
    root.querySelectorAll("button[type=submit]").forEach((b) => { b.disabled = false; });
    for (const [name, message] of Object.entries(err.fields || {})) {
      const p = root.querySelector("[data-error-for='" + name + "']");
      if (p) { p.textContent = message; p.hidden = false; }
    }
    error.textContent = err.message;
    error.hidden = false;
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
      await api.call("POST", base + "/approve", { seals: seals });
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
      await api.call("POST", base + "/reject", { opinion: opinion });
      window.location.reload();
    } catch (err) { fail(err); }
  });
})();
