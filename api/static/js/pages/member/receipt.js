/* I 确认收货 on 查看申请: the KEY arrived (已签收) and its certificate takes effect; the page shows it. */
import { request } from "../../lib/http.js";
import { showMessage } from "../../lib/forms.js";

const root = document.getElementById("application");
const button = document.getElementById("confirm-receipt");
button.addEventListener("click", async () => {
  if (!window.confirm("确认已收到实体KEY？确认后证书立即生效。")) return;
  button.disabled = true;
  try {
    await request("POST", "/api/v1/applications/" + root.dataset.applicationId + "/received");
    window.location.reload();
  } catch (err) {
    button.disabled = false;
    showMessage(document.getElementById("receipt-error"), err.message);
  }
});
