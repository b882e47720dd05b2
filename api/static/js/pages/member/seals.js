/* B8 分配印章: PUT the three seal kinds of the bound account; the answer is what is assigned now. */
import { request } from "../../lib/http.js";

const root = document.getElementById("seals");
const form = document.getElementById("seals-form");
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const saved = document.getElementById("saved");
  const error = document.getElementById("form-error");
  saved.hidden = true;
  error.hidden = true;
  const body = {};
  for (const kind of ["company", "legal_rep", "handwritten"]) body[kind] = form.elements[kind].checked;
  try {
    const now = await request("PUT", "/api/v1/accounts/" + root.dataset.accountId + "/seals", body);
    for (const kind of ["company", "legal_rep", "handwritten"]) form.elements[kind].checked = now[kind];
    saved.hidden = false;
  } catch (err) {
    error.textContent = err.message;
    error.hidden = false;
  }
});
