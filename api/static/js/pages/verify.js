// 验证签名 (K7): post the PDF to /api/v1/verify and show the report in Chinese. Public: no login needed.
import { request } from "../lib/http.js";
import { beijingTime as time } from "../lib/time.js";

const form = document.getElementById("verify-form");
const fileError = document.getElementById("file-error");
const button = document.getElementById("verify");
const busy = document.getElementById("busy");
const report = document.getElementById("report");

// The verdict and its wording come from the server (one rule: pdfsign.verify.assess); the rows below are worded
// so that they agree with it.
const VERDICT_CLASS = { valid: "ok", invalid: "bad", indeterminate: "warn", unsigned: "warn" };
const AFTER_SIGNING = ["revoked_after_signing_ltv", "revoked_after_signing", "expired_after_signing"];
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
  return td;
}

// 签署人: the company and the person (the certificate's O and CN); the full DN behind a toggle.
function signerRow(table, s) {
  const who = [s.signer_organization, s.signer_name].filter(Boolean).join(" · ");
  const td = row(table, "signer", "签署人", "");
  const name = document.createElement("span");
  name.className = "signer-name";
  name.textContent = who || "未知";
  td.appendChild(name);
  if (s.signer) {
    const details = document.createElement("details");
    details.className = "dn";
    const summary = document.createElement("summary");
    summary.textContent = "证书主题";
    const code = document.createElement("code");
    code.textContent = s.signer;
    details.appendChild(summary);
    details.appendChild(code);
    td.appendChild(details);
  }
}

function trustText(s) {
  if (s.trusted) { return ["可信（证书链至平台根证书）", "ok"]; }
  if (s.case === "expired_after_signing") { return ["签署时可信（证书现已过期）", "warn"]; }
  if (AFTER_SIGNING.indexOf(s.case) >= 0) { return ["签署时可信（证书现已吊销）", "warn"]; }
  if (s.case === "expired") { return ["不可信（证书已过期）", "bad"]; }
  return ["不可信", "bad"];
}

function revocationText(s) {
  if (s.revocation === "good") { return ["未吊销", "ok"]; }
  if (s.revocation !== "revoked") { return [REVOCATION[s.revocation] || s.revocation || "未知", "warn"]; }
  const when = s.revoked_at ? "（" + time(s.revoked_at) + "）" : "";
  if (AFTER_SIGNING.indexOf(s.case) >= 0) { return ["已吊销" + when + "，吊销发生在签署之后", "warn"]; }
  return ["已吊销" + when, "bad"];
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
  row(table, "conclusion", "结论", s.case_label + "：" + s.case_detail, VERDICT_CLASS[s.case_verdict]);
  signerRow(table, s);
  row(table, "serial", "证书序列号", s.serial ? s.serial.toUpperCase() : "未知");
  row(table, "seal", "印章类型", s.seal_label || "其他签名");
  row(table, "signing_time", "签署时间", time(s.signing_time) || "未声明");
  row(table, "timestamp_time", "时间戳时间", time(s.timestamp_time) || "无时间戳");
  row(table, "intact", "完整性", s.intact ? "完整（签署后内容未被修改）" : "已破坏（签署的内容被修改）",
      s.intact ? "ok" : "bad");
  if (!s.intact) {
    row(table, "valid", "签名值", "与当前文件内容不符（文件已被修改）", "bad");
  } else {
    row(table, "valid", "签名值", s.valid ? "有效" : "无效", s.valid ? "ok" : "bad");
  }
  const trust = trustText(s);
  row(table, "trusted", "可信", trust[0], trust[1]);
  const revocation = revocationText(s);
  row(table, "revocation", "吊销状态", revocation[0], revocation[1]);
  row(table, "pades_level", "PAdES 级别", s.pades_level || "—");
  const change = MODIFICATIONS[s.modification_level] || s.modification_level || "—";
  row(table, "modification", "后续修改", s.changes_allowed ? change : change + "（不允许的修改）",
      s.changes_allowed ? "ok" : "bad");
  row(table, "valid_at_signing_time", "签署时有效", s.valid_at_signing_time ? "是" : "否",
      s.valid_at_signing_time ? (s.trusted ? "ok" : "warn") : "bad");
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
  verdict.dataset.case = result.case;
  document.getElementById("verdict-note").textContent = result.verdict_detail || "";
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
