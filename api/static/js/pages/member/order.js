/* B5 取消订单 of an unpaid order, after an in-page confirmation; its applications return to 待生成订单. */
import { request } from "../../lib/http.js";

const orderNo = document.getElementById("order").dataset.orderNo;
const confirm = document.getElementById("cancel-confirm");
document.getElementById("cancel-order").addEventListener("click", () => { confirm.hidden = false; });
document.getElementById("cancel-no").addEventListener("click", () => { confirm.hidden = true; });
document.getElementById("cancel-yes").addEventListener("click", async () => {
  try {
    await request("POST", "/api/v1/orders/" + encodeURIComponent(orderNo) + "/cancel");
    window.location.reload();
  } catch (err) {
    const error = document.getElementById("form-error");
    error.textContent = err.message;
    error.hidden = false;
  }
});
