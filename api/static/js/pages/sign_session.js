// The signing session's page: the QR code and the state, pushed over Socket.IO, read again over HTTP when events
// stop coming. The vendored Socket.IO client is a UMD bundle kept as shipped: imported for its side effect, it
// sets the global `io`.
import "../../vendor/socket.io.min.js";
import { getJson, postJson } from "../lib/http.js";
import { encode, pngDataUrl } from "../lib/qr.js";

const root = document.getElementById("session");
const sessionId = root.dataset.sessionId;
const el = function (id) { return document.getElementById(id); };
const stateUrl = "/api/v1/signing-sessions/" + encodeURIComponent(sessionId);
const TERMINAL = ["signed", "rejected", "cancelled", "expired", "failed"];
const CANCELLABLE = ["waiting", "scanned"];
// Events can be lost (the message queue restarting, a socket that is up but deaf): when nothing has
// arrived for QUIET_MS, or the socket drops, the page reads the state over HTTP instead.
const QUIET_MS = 10000;
let lastNews = Date.now();
let finished = TERMINAL.indexOf(el("status").dataset.status) >= 0;
let polling = false;

function render(state) {
  lastNews = Date.now();
  finished = TERMINAL.indexOf(state.status) >= 0;
  const status = el("status");
  status.textContent = state.status_label;
  status.dataset.status = state.status;
  el("code").textContent = state.confirmation_code;
  const scanned = el("scanned-by");
  if (state.scanned_by) {
    scanned.querySelector("span").textContent = state.scanned_by.name + "（" + state.scanned_by.username + "）";
    scanned.hidden = false;
  }
  el("failure").hidden = !state.failure;
  el("failure").textContent = state.failure || "";
  if (state.download_url) {
    el("download").href = state.download_url;
    el("download").hidden = false;
  }
  el("qr-area").hidden = state.status !== "waiting";
  el("no-scan").hidden = state.status !== "waiting";
  // once the phone has started signing there is nothing left to cancel from here
  const cancellable = CANCELLABLE.indexOf(state.status) >= 0;
  el("cancel").hidden = !cancellable;
  if (!cancellable && el("cancel-dialog").open) { el("cancel-dialog").close(); }
  renderProgress(state.status === "signing" ? state.progress : null);
  renderSignedPages(state.signed_pages || []);
  const back = el("back-to-draft");
  if (back) { back.hidden = ["rejected", "cancelled", "expired", "failed"].indexOf(state.status) < 0; }
}

// 签署中: which seal, and what is left (pushed as each phase starts; the state carries the seal too).
function renderProgress(progress) {
  const box = el("progress");
  if (!progress) { box.hidden = true; return; }
  box.hidden = false;
  el("progress-bar").max = progress.total;
  el("progress-bar").value = progress.phase === "long_term" ? progress.total : progress.seal - 1;
  el("progress-text").textContent = progress.text;
  el("progress-remaining").textContent = progress.remaining_text;
}

// 已签署: the pages of the signed file that carry seals, rendered by the server.
function renderSignedPages(pages) {
  const holder = el("signed-pages");
  if (!pages.length || holder.children.length) { return; }
  pages.forEach(function (p) {
    const figure = document.createElement("figure");
    figure.className = "page";
    figure.dataset.page = String(p.page);
    const img = document.createElement("img");
    img.src = p.url;
    img.alt = "已签署文件第" + p.page + "页";
    const caption = document.createElement("figcaption");
    caption.textContent = "第 " + p.page + " 页";
    figure.appendChild(img);
    figure.appendChild(caption);
    holder.appendChild(figure);
  });
  el("signed-preview").hidden = false;
}

async function refresh() {
  if (polling) { return; }
  polling = true;
  try {
    render(await getJson(stateUrl, { cache: "no-store" }));
  } catch (err) {
    // offline for now, or an error answer: the next tick tries again
  } finally {
    polling = false;
  }
}

const socket = window.io("/pc", { transports: ["websocket", "polling"] });
socket.on("connect", function () {
  // Every (re)connect joins again and re-reads the state: no event is the only source of truth.
  socket.emit("join", { session_id: sessionId }, function (reply) {
    if (reply && reply.ok) { render(reply.result); }
    else if (reply) { el("failure").textContent = reply.error.message; el("failure").hidden = false; }
  });
});
socket.on("disconnect", function () { if (!finished) { refresh(); } });
setInterval(function () {
  if (!finished && Date.now() - lastNews >= QUIET_MS) { lastNews = Date.now(); refresh(); }
}, 1000);
// A frame is its text; the page draws the QR Code itself.
socket.on("qr", function (frame) {
  if (frame.session_id !== sessionId) { return; }
  lastNews = Date.now();
  const img = el("qr");
  img.src = pngDataUrl(encode(frame.payload));
  img.dataset.payload = frame.payload;
  img.dataset.step = frame.step;
  el("payload").textContent = frame.payload;
});
socket.on("status", function (state) { if (state.id === sessionId) { render(state); } });
socket.on("progress", function (progress) {
  if (progress.session_id !== sessionId || el("status").dataset.status !== "signing") { return; }
  lastNews = Date.now();
  renderProgress(progress);
});

const dialog = el("cancel-dialog");
el("cancel").addEventListener("click", function () { dialog.showModal(); });
el("cancel-no").addEventListener("click", function () { dialog.close(); });
el("cancel-yes").addEventListener("click", async function () {
  dialog.close();
  try {
    render(await postJson(stateUrl + "/cancel", undefined, { fallback: "取消失败，请刷新页面后重试" }));
  } catch (err) {
    el("failure").textContent = err.message;
    el("failure").hidden = false;
  }
});
