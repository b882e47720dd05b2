/* B4 生成订单: the listed applications, 在线支付, the chosen invoice profile → the order's page. */
import { request } from "../../lib/http.js";

const root = document.getElementById("order-new");
const button = document.getElementById("create-order");
button.addEventListener("click", async () => {
  const ids = Array.from(root.querySelectorAll("[data-application-id]")).map((tr) => Number(tr.dataset.applicationId));
  const profile = root.querySelector("input[name=invoice_profile_id]:checked");
  const error = document.getElementById("form-error");
  error.hidden = true;
  button.disabled = true;
  try {
    const order = await request("POST", "/api/v1/orders", {
      application_ids: ids, payment_method: "online", invoice_profile_id: profile ? Number(profile.value) : null });
    window.location.href = root.dataset.orderUrl.replace(/_$/, encodeURIComponent(order.order_no));
  } catch (err) {
    button.disabled = false;
    error.textContent = err.message;
    error.hidden = false;
  }
});
