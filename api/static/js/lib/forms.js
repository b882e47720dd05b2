/* Field errors on a form: each input `name` has a `[data-error-for=name]` paragraph; the form has one
   `#form-error` (or another element) for the message that belongs to no field. */

/* Hide every field error of `form`, drop aria-invalid, hide the form-level error. */
export function clearErrors(form, formError = document.getElementById("form-error")) {
  form.querySelectorAll(".field-error").forEach((p) => { p.hidden = true; p.textContent = ""; });
  form.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  if (formError) formError.hidden = true;
}

/* Show `message` under the field `name`; answers whether the form has a place for it. `findInput` finds the
   input to mark aria-invalid when it is not simply `[name=…]`. */
export function fieldError(form, name, message, findInput) {
  const p = form.querySelector("[data-error-for='" + name + "']");
  if (!p) return false;
  p.textContent = message;
  p.hidden = false;
  const input = findInput ? findInput(name) : form.querySelector("[name='" + name + "']");
  if (input) input.setAttribute("aria-invalid", "true");
  return true;
}

/* Show only the message texts under their fields (no aria-invalid), for forms that mark nothing else. */
export function showFieldMessages(root, fields) {
  if (!root) return;
  for (const [name, message] of Object.entries(fields || {})) {
    const p = root.querySelector("[data-error-for='" + name + "']");
    if (p) { p.textContent = message; p.hidden = false; }
  }
}

/* An ApiError on a form: every field message under its field, the message in the form-level box. */
export function showErrors(form, err, formError = document.getElementById("form-error")) {
  for (const [name, message] of Object.entries(err.fields || {})) fieldError(form, name, message);
  showMessage(formError, err.message);
}

/* Put `message` in `box` and show it. */
export function showMessage(box, message) {
  box.textContent = message;
  box.hidden = false;
}
