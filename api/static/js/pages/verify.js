// 验证签名 (K7): post the PDF to /api/v1/verify and show the report in Chinese. Public: no login needed.
import { request } from "../lib/http.js";
import { beijingTime as time } from "../lib/time.js";

const form = document.getElementById("verify-form");
const fileError = document.getElementById("file-error");
const button = document.getElementById("verify");
const busy = document.getElementById("busy");
const report = document.getElementById("report");

const VERDICT_NOTES = {
  valid: "所有签名均有效、可信，文件签署后未被篡改。",
  invalid: "至少一个签名无效，或文件在签署后被修改。",
  indeterminate: "签名无法确认（例如证书不受信任，或吊销状态未知）。",
  unsigned: "该文件没有数字签名。"
};
const VERDICT_CLASS = { valid: "ok", invalid: "bad", indeterminate: "warn", unsigned: "warn" };
const REVOCATION = { good: "未吊销", revoked: "已吊销", unknown: "未知" };
const MODIFICATIONS = {
  NONE: "无",
  LTA_UPDATES: "仅追加长期验证信息或时间戳",
  FORM_FILLING: "仅填写表单或追加签名",
  ANNOTATIONS: "添加了批注",
  OTHER: "有其他修改"
};

function row(table, key, label, text, state) {
  const tr = document.createElement("tr");
  tr.dataset.key = key;
  const th = document.createElement("th");
  th.scope = "row";
  th.textContent = label;
  const td = document.createElement("td");
  td.textContent = text;
  if (state) { td.className = state; }
  tr.appendChild(th);
  tr.appendChild(td);
  table.appendChild(tr);
}

function signatureSection(s, index) {
  const section = document.createElement("section");
  section.className = "signature";
  section.dataset.field = s.field_name;
  const h = document.createElement("h3");
  h.textContent = "签名 " + (index + 1) + "：" + (s.seal_label || "其他签名");
  section.appendChild(h);
  const table = document.createElement("table");
  table.className = "kv";
  row(table, "signer", "签署人", s.signer || "未知");
  row(table, "serial", "证书序列号", s.serial ? s.serial.toUpperCase() : "未知");
  row(table, "seal", "印章类型", s.seal_label || "其他签名");
  row(table, "signing_time", "签署时间", time(s.signing_time) || "未声明");
  row(table, "timestamp_time", "时间戳时间", time(s.timestamp_time) || "无时间戳");
  row(table, "intact", "完整性", s.intact ? "完整（签署后内容未被修改）" : "已破坏（签署的内容被修改）",
      s.intact ? "ok" : "bad");
  row(table, "valid", "签名值", s.valid ? "有效" : "无效", s.valid ? "ok" : "bad");
  row(table, "trusted", "可信", s.trusted ? "可信（证书链至平台根证书）" : "不可信", s.trusted ? "ok" : "bad");
  let revocation = REVOCATION[s.revocation] || s.revocation || "未知";
  if (s.revocation === "revoked" && s.revoked_at) { revocation += "（" + time(s.revoked_at) + "）"; }
  row(table, "revocation", "吊销状态", revocation,
      s.revocation === "good" ? "ok" : (s.revocation === "revoked" ? "bad" : "warn"));
  row(table, "pades_level", "PAdES 级别", s.pades_level || "—");
  const change = MODIFICATIONS[s.modification_level] || s.modification_level || "—";
  row(table, "modification", "后续修改", s.changes_allowed ? change : change + "（不允许的修改）",
      s.changes_allowed ? "ok" : "bad");
  row(table, "valid_at_signing_time", "签署时有效", s.valid_at_signing_time ? "是" : "否",
      s.valid_at_signing_time ? "ok" : "bad");
  if (s.error) { row(table, "error", "说明", s.error, "bad"); }
  section.appendChild(table);
  return section;
}

function timestampsSection(list) {
  const section = document.createElement("section");
  section.className = "signature";
  const h = document.createElement("h3");
  h.textContent = "文档时间戳";
  section.appendChild(h);
  list.forEach(function (t) {
    const table = document.createElement("table");
    table.className = "kv";
    row(table, "time", "时间", time(t.time) || "未知");
    row(table, "intact", "完整性", t.intact ? "完整" : "已破坏", t.intact ? "ok" : "bad");
    row(table, "valid", "有效", t.valid ? "有效" : "无效", t.valid ? "ok" : "bad");
    row(table, "trusted", "可信", t.trusted ? "可信" : "不可信", t.trusted ? "ok" : "bad");
    if (t.error) { row(table, "error", "说明", t.error, "bad"); }
    section.appendChild(table);
  });
  return section;
}

function show(result, name) {
  const verdict = document.getElementById("verdict");
  verdict.textContent = result.verdict_label;
  verdict.dataset.verdict = result.verdict;
  verdict.className = "verdict " + (VERDICT_CLASS[result.verdict] || "");
  document.getElementById("verdict-note").textContent = VERDICT_NOTES[result.verdict] || "";
  document.getElementById("report-file").textContent = name;
  const signatures = document.getElementById("signatures");
  signatures.textContent = "";
  result.signatures.forEach(function (s, i) { signatures.appendChild(signatureSection(s, i)); });
  const timestamps = document.getElementById("timestamps");
  timestamps.textContent = "";
  if (result.document_timestamps && result.document_timestamps.length) {
    timestamps.appendChild(timestampsSection(result.document_timestamps));
  }
  report.hidden = false;
}

function fail(message) {
  fileError.textContent = message;
  fileError.hidden = false;
  form.file.setAttribute("aria-invalid", "true");
}

form.addEventListener("submit", async function (event) {
  event.preventDefault();
  fileError.hidden = true;
  form.file.removeAttribute("aria-invalid");
  const file = form.file.files[0];
  if (!file) { fail("请选择要验证的PDF文件"); return; }
  if (file.type !== "application/pdf" && !file.name.toLowerCase().endsWith(".pdf")) {
    fail("只能验证 PDF 文件");
    return;
  }
  if (file.size > Number(form.dataset.maxBytes)) { fail("文件超过" + form.dataset.maxMb + "MB"); return; }
  const data = new FormData();
  data.append("file", file);
  button.disabled = true;
  busy.hidden = false;
  report.hidden = true;
  try {
    show(await request("POST", "/api/v1/verify", data,
                       { offline: "网络错误，请检查网络后重试", fallback: "验证失败，请稍后重试" }), file.name);
  } catch (err) {
    fail(err.message);
  } finally {
    button.disabled = false;
    busy.hidden = true;
  }
});
