/* A1–A5 证书管理: filters, 10/20/50 rows per page, 共N条, page jump; the toolbar follows the checked rows and a
   disabled button says why (the server's reason for the row, or what to check first). */
import { request } from "../../lib/http.js";
import { el } from "../../lib/dom.js";
import { minuteTime } from "../../lib/time.js";

const root = document.getElementById("certificates");
const tbody = document.querySelector("#list tbody");
const form = document.getElementById("filters");
const notice = document.getElementById("notice");
const perPage = document.getElementById("per-page");
const OPS = { view: "查看", create_order: "生成订单", related_order: "关联订单", records: "办理记录",
              view_rejection: "查看驳回", reapply: "重新申请", assign_seals: "分配印章", cancel: "撤销",
              confirm_receipt: "确认收货" };
const ROW_OPS = ["view", "create_order", "related_order", "records", "view_rejection", "reapply", "assign_seals",
                 "confirm_receipt"];
const TOOLBAR = ["renew", "reissue", "revoke", "unfreeze", "change", "extend", "phone_change"];
let state = { page: 1, pages: 1, rows: [] };
let latest = 0;  // only the newest request's answer is shown

function query() {
  const q = new URLSearchParams();
  for (const [k, v] of new FormData(form).entries()) if (String(v).trim()) q.set(k, String(v).trim());
  q.set("page", String(state.page));
  q.set("per_page", perPage.value);
  return q;
}

function link(label, href, op) {
  const a = el("a", { href: href, "data-op": op }, label);
  return a;
}

function opLink(row, op) {
  const app = row.application_id;
  const cert = row.certificate_id;
  switch (op) {
    case "view":
      if (app) return link(OPS.view, root.dataset.appUrl.replace(/0$/, String(app)), op);
      return link(OPS.view, root.dataset.detailUrl.replace(/0$/, String(cert)), op);
    case "view_rejection":
      return link(OPS.view_rejection, root.dataset.appUrl.replace(/0$/, String(app)) + "?view=rejection", op);
    case "reapply":
      return link(OPS.reapply, root.dataset.appUrl.replace(/0$/, String(app)) + "?view=rejection#reapply", op);
    case "create_order":
      return link(OPS.create_order, root.dataset.orderUrl + "?applications=" + app, op);
    case "related_order":
      return link(OPS.related_order, root.dataset.relatedUrl + (cert ? "?certificate=" + cert : "?application=" + app), op);
    case "records":
      return link(OPS.records, root.dataset.recordsUrl + (cert ? "?certificate=" + cert : "?application=" + app), op);
    case "assign_seals":
      return link(OPS.assign_seals, root.dataset.sealsUrl.replace(/\/0\/seals$/, "/" + cert + "/seals"), op);
    case "confirm_receipt":
      return button(OPS.confirm_receipt, op, () => confirmReceipt(row));
    default:
      return null;
  }
}

function button(label, op, handler) {
  const b = el("button", { type: "button", className: "link", "data-op": op }, label);
  b.addEventListener("click", handler);
  return b;
}

/* I 确认收货: the KEY arrived (已签收); its certificate takes effect (已生效). */
async function confirmReceipt(row) {
  if (!window.confirm("确认已收到实体KEY？确认后证书立即生效。")) return;
  try {
    await request("POST", "/api/v1/applications/" + row.shipping_application_id + "/received");
    show("已确认收货，证书已生效");
  } catch (err) {
    show(err.message);
  }
  load();
}

/* 邮寄状态 of a KEY: the parcel's state, 快递公司 and 运单号. */
function parcelCell(row) {
  const td = el("td", { className: "parcel", "data-shipping-status": row.shipping_status || "" });
  if (!row.shipping_status) { td.textContent = "-"; return td; }
  td.appendChild(el("span", { className: "parcel-status" }, row.shipping_status_label));
  if (row.tracking_number) {
    td.appendChild(el("br"));
    td.appendChild(el("span", { className: "parcel-carrier" }, row.shipping_carrier));
    td.appendChild(document.createTextNode(" "));
    td.appendChild(el("span", { className: "parcel-tracking" }, row.tracking_number));
  }
  return td;
}

function render(page) {
  state.rows = page.items;
  state.pages = Math.max(1, Math.ceil(page.total / Number(perPage.value)));
  tbody.replaceChildren();
  for (const row of page.items) {
    const tr = el("tr", { "data-number": String(row.number) });
    const box = el("input", { type: "checkbox", className: "row-check", "aria-label": "选择第" + row.number + "行" });
    box.addEventListener("change", toolbar);
    const cells = [null, row.number, row.kind_label, row.bound_account || "-", row.bound_name || "-", row.phone || "-",
                   row.not_after ? minuteTime(row.not_after) : "-",
                   row.usage_count === null ? "-" : row.usage_count, row.remaining === null ? "-" : row.remaining];
    cells.forEach((value, i) => {
      const td = el("td");
      if (i === 0) td.appendChild(box); else td.textContent = String(value);
      tr.appendChild(td);
    });
    tr.appendChild(el("td", { className: "status", "data-status": row.status }, row.status_label));
    tr.appendChild(parcelCell(row));
    const ops = el("td", { className: "ops" });
    for (const op of ROW_OPS) {
      if (!row.operations.includes(op)) continue;
      const node = opLink(row, op);
      if (node) ops.appendChild(node);
    }
    tr.appendChild(ops);
    tbody.appendChild(tr);
  }
  document.getElementById("empty").hidden = page.items.length > 0;
  document.getElementById("total").textContent = "共" + page.total + "条";
  document.getElementById("page-info").textContent = "第" + state.page + "/" + state.pages + "页";
  document.getElementById("prev").disabled = state.page <= 1;
  document.getElementById("next").disabled = state.page >= state.pages;
  document.getElementById("jump").max = String(state.pages);
  document.getElementById("check-all").checked = false;
  toolbar();
}

async function load() {
  const error = document.getElementById("list-error");
  error.hidden = true;
  root.setAttribute("aria-busy", "true");
  const mine = ++latest;
  try {
    const page = await request("GET", "/api/v1/certificates?" + query().toString());
    if (mine === latest) render(page);
  } catch (err) {
    if (mine !== latest) return;
    error.textContent = err.message;
    error.hidden = false;
  } finally {
    if (mine === latest) root.setAttribute("aria-busy", "false");
  }
}

function checked() {
  return Array.from(tbody.querySelectorAll(".row-check")).map((box, i) => box.checked ? state.rows[i] : null)
    .filter(Boolean);
}

const PICK_ONE = "请先勾选一个证书";

function toolbar() {
  const rows = checked();
  const reasons = [];
  for (const op of TOOLBAR) {
    const b = root.querySelector(".toolbar [data-op='" + op + "']");
    const why = rows.length === 0 ? PICK_ONE : rows.length > 1 ? "只能勾选一个证书办理" + b.textContent
      : rows[0].operations.includes(op) ? "" : (rows[0].unavailable || {})[op] || "该证书当前不能办理" + b.textContent;
    b.disabled = why !== "";
    if (why) { b.title = why; reasons.push(b.textContent + "：" + why); } else b.removeAttribute("title");
  }
  const batch = root.querySelector(".toolbar [data-op='batch_order']");
  batch.disabled = !(rows.length > 0 && rows.every((r) => r.operations.includes("create_order")));
  if (batch.disabled) batch.title = rows.length === 0 ? "请先勾选待生成订单的证书" : "只有待生成订单的证书可以批量生成订单";
  else batch.removeAttribute("title");
  const hint = document.getElementById("toolbar-hint");
  hint.textContent = rows.length === 0 ? "勾选一个证书后可办理续签、补办等业务"
    : rows.length === 1 && reasons.length ? "不可办理：" + reasons.join("；") : "";
}

function show(text) {
  notice.textContent = text;
  notice.hidden = false;
}

form.addEventListener("submit", (e) => { e.preventDefault(); state.page = 1; load(); });
document.getElementById("clear").addEventListener("click", () => { form.reset(); state.page = 1; load(); });
document.getElementById("prev").addEventListener("click", () => { if (state.page > 1) { state.page--; load(); } });
document.getElementById("next").addEventListener("click", () => { if (state.page < state.pages) { state.page++; load(); } });
document.getElementById("go").addEventListener("click", () => {
  const n = parseInt(document.getElementById("jump").value, 10);
  if (!Number.isFinite(n) || n < 1 || n > state.pages) { show("请输入1到" + state.pages + "之间的页码"); return; }
  state.page = n;
  load();
});
perPage.addEventListener("change", () => { state.page = 1; load(); });
document.getElementById("check-all").addEventListener("change", (e) => {
  tbody.querySelectorAll(".row-check").forEach((box) => { box.checked = e.target.checked; });
  toolbar();
});
root.querySelector(".toolbar").addEventListener("click", (e) => {
  const op = e.target.getAttribute("data-op");
  if (!op || e.target.disabled) return;
  if (op === "new") { window.location.href = root.dataset.newUrl; return; }
  if (op === "batch_order") {
    window.location.href = root.dataset.orderUrl + "?applications=" + checked().map((r) => r.application_id).join(",");
    return;
  }
  const row = checked()[0];
  window.location.href = root.dataset.applyUrl.replace(/\/0\/_$/, "/" + row.certificate_id + "/" + op);
});
load();
