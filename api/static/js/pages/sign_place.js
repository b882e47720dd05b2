// 扫码签章 step 2: drag seals onto the page previews (or add them with the keyboard and type the position),
// choose the PAdES level, start the signing session. Positions are kept in PDF points; the boxes on the
// previews are drawn from them (seal_geometry converts both ways).
import { request } from "../lib/http.js";
import * as G from "../lib/seal_geometry.js";

const root = document.getElementById("draft");
const draft = JSON.parse(document.getElementById("draft-data").textContent);
const tbody = document.querySelector("#placed tbody");
const errorBox = document.getElementById("place-error");
const startButton = document.getElementById("start");
const MIN_SIDE = 20;
const MAX_SEALS = 10;

const pages = {};
draft.pages.forEach(function (p) { pages[p.number] = p; });
const layers = {};
document.querySelectorAll(".layer").forEach(function (layer) { layers[layer.dataset.page] = layer; });
const chips = Array.prototype.slice.call(document.querySelectorAll("#palette .chip"));
const kinds = {};
chips.forEach(function (chip) {
  kinds[chip.dataset.seal] = {
    label: chip.dataset.label, width: Number(chip.dataset.width), height: Number(chip.dataset.height),
    image: chip.dataset.image || null
  };
});

let seals = [];
let nextId = 1;
let currentPage = 1;

function layerSize(layer) { return [layer.clientWidth, layer.clientHeight]; }

function pxPerPoint(page) {
  const layer = layers[page.number];
  return layer && layer.clientWidth ? layer.clientWidth / page.width_pt : 1;
}

function describe(seal) {
  return seal.label + "，第" + seal.page + "页，X " + seal.x + "，Y " + seal.y + "，宽 " + seal.width + "，高 " +
    seal.height + "（方向键移动，Shift 加快，Delete 删除）";
}

// -- the boxes on the previews --------------------------------------------------------------
function position(seal) {
  const layer = layers[seal.page];
  if (!layer) {
    if (seal.box) { seal.box.remove(); seal.box = null; }
    return;
  }
  if (!seal.box) { seal.box = makeBox(seal); }
  if (seal.box.parentNode !== layer) { layer.appendChild(seal.box); }
  const size = layerSize(layer);
  const view = G.rectToView(pages[seal.page], seal, size[0], size[1]);
  seal.box.style.left = view.left + "px";
  seal.box.style.top = view.top + "px";
  seal.box.style.width = view.width + "px";
  seal.box.style.height = view.height + "px";
  seal.box.setAttribute("aria-label", describe(seal));
}

// What is dragged and placed is the seal itself: its image when the seal has one, else its name.
function sealFace(kind) {
  const image = kinds[kind].image;
  if (image) {
    const img = document.createElement("img");
    img.className = "seal-image";
    img.src = image;
    img.alt = kinds[kind].label;
    img.draggable = false;
    return img;
  }
  const label = document.createElement("span");
  label.className = "seal-label";
  label.textContent = kinds[kind].label;
  return label;
}

function makeBox(seal) {
  const box = document.createElement("div");
  box.className = "seal-box seal-" + seal.seal + (kinds[seal.seal].image ? " with-image" : "");
  box.tabIndex = 0;
  box.dataset.seal = seal.seal;
  box.dataset.id = String(seal.id);
  const handle = document.createElement("span");
  handle.className = "handle";
  handle.title = "拖动调整大小";
  box.appendChild(sealFace(seal.seal));
  box.appendChild(handle);
  box.addEventListener("pointerdown", function (event) { dragBox(event, seal); });
  box.addEventListener("keydown", function (event) { keyBox(event, seal); });
  box.addEventListener("focus", function () { currentPage = seal.page; });
  return box;
}

function dragBox(event, seal) {
  if (event.button !== 0) { return; }
  event.preventDefault();
  seal.box.focus();
  currentPage = seal.page;
  const resizing = event.target.classList.contains("handle");
  const page = pages[seal.page];
  const size = layerSize(layers[seal.page]);
  const start = G.rectToView(page, seal, size[0], size[1]);
  const minPx = MIN_SIDE * pxPerPoint(page);
  const sx = event.clientX;
  const sy = event.clientY;
  seal.box.setPointerCapture(event.pointerId);
  function move(ev) {
    const dx = ev.clientX - sx;
    const dy = ev.clientY - sy;
    let view;
    if (resizing) {
      view = {
        left: start.left, top: start.top,
        width: Math.min(Math.max(minPx, start.width + dx), size[0] - start.left),
        height: Math.min(Math.max(minPx, start.height + dy), size[1] - start.top)
      };
    } else {
      view = {
        left: Math.min(Math.max(0, start.left + dx), size[0] - start.width),
        top: Math.min(Math.max(0, start.top + dy), size[1] - start.height),
        width: start.width, height: start.height
      };
    }
    update(seal, G.clampRect(page, G.viewToRect(page, view, size[0], size[1])));
  }
  function up() {
    seal.box.removeEventListener("pointermove", move);
    seal.box.removeEventListener("pointerup", up);
    seal.box.removeEventListener("pointercancel", up);
  }
  seal.box.addEventListener("pointermove", move);
  seal.box.addEventListener("pointerup", up);
  seal.box.addEventListener("pointercancel", up);
}

function keyBox(event, seal) {
  const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  if (event.key === "Delete" || event.key === "Backspace") {
    event.preventDefault();
    remove(seal);
    return;
  }
  const step = steps[event.key];
  if (!step || !layers[seal.page]) { return; }
  event.preventDefault();
  const page = pages[seal.page];
  const size = layerSize(layers[seal.page]);
  const view = G.rectToView(page, seal, size[0], size[1]);
  const px = (event.shiftKey ? 10 : 1) * pxPerPoint(page);
  view.left += step[0] * px;
  view.top += step[1] * px;
  const moved = G.viewToRect(page, view, size[0], size[1]);
  update(seal, G.clampRect(page, { x: moved.x, y: moved.y, width: seal.width, height: seal.height }));
}

// -- the table (the keyboard-accessible way to place and adjust) ----------------------------
const FIELDS = [["page", "页码", 1], ["x", "X", 0.1], ["y", "Y", 0.1], ["width", "宽", 0.1], ["height", "高", 0.1]];

function renderTable() {
  tbody.textContent = "";
  seals.forEach(function (seal, index) {
    const row = document.createElement("tr");
    row.dataset.id = String(seal.id);
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = (index + 1) + ". " + seal.label;
    row.appendChild(name);
    FIELDS.forEach(function (f) {
      const cell = document.createElement("td");
      const input = document.createElement("input");
      input.type = "number";
      input.name = f[0];
      input.step = String(f[2]);
      input.min = f[0] === "page" ? "1" : "0";
      if (f[0] === "page") { input.max = String(draft.page_count); }
      input.value = String(seal[f[0]]);
      input.setAttribute("aria-label", "第" + (index + 1) + "个印章（" + seal.label + "）" + f[1]);
      input.addEventListener("change", function () { edit(seal, f[0], input); });
      cell.appendChild(input);
      row.appendChild(cell);
    });
    const actions = document.createElement("td");
    const del = document.createElement("button");
    del.type = "button";
    del.className = "link-danger";
    del.textContent = "删除";
    del.setAttribute("aria-label", "删除第" + (index + 1) + "个印章（" + seal.label + "）");
    del.addEventListener("click", function () { remove(seal); });
    actions.appendChild(del);
    row.appendChild(actions);
    tbody.appendChild(row);
  });
  document.getElementById("placed-count").textContent = String(seals.length);
  document.getElementById("placed-empty").hidden = seals.length > 0;
  chips.forEach(function (chip) { chip.disabled = seals.length >= MAX_SEALS; });
}

function syncRow(seal) {
  const row = tbody.querySelector("tr[data-id='" + seal.id + "']");
  if (!row) { return; }
  FIELDS.forEach(function (f) {
    const input = row.querySelector("input[name=" + f[0] + "]");
    if (document.activeElement !== input) { input.value = String(seal[f[0]]); }
  });
}

function edit(seal, name, input) {
  const value = Number(input.value);
  if (input.value === "" || !isFinite(value)) { input.value = String(seal[name]); return; }
  if (name === "page") {
    seal.page = Math.min(Math.max(1, Math.round(value)), draft.page_count);
    input.value = String(seal.page);
  } else {
    seal[name] = G.round1(value);
  }
  position(seal);
  hideError();
}

// -- adding and removing --------------------------------------------------------------------
function add(kind, page, rect) {
  if (seals.length >= MAX_SEALS) { showError("最多放置" + MAX_SEALS + "个印章"); return null; }
  const seal = {
    id: nextId++, seal: kind, label: kinds[kind].label, page: page.number,
    x: rect.x, y: rect.y, width: rect.width, height: rect.height, box: null
  };
  seals.push(seal);
  currentPage = page.number;
  position(seal);
  renderTable();
  hideError();
  return seal;
}

function update(seal, rect) {
  seal.x = rect.x;
  seal.y = rect.y;
  seal.width = rect.width;
  seal.height = rect.height;
  position(seal);
  syncRow(seal);
}

function remove(seal) {
  if (seal.box) { seal.box.remove(); }
  seals = seals.filter(function (s) { return s !== seal; });
  renderTable();
  const chip = chips.filter(function (c) { return c.dataset.seal === seal.seal; })[0];
  if (chip) { chip.focus(); }
}

function dropAt(kind, layer, clientX, clientY) {
  const page = pages[layer.dataset.page];
  const bounds = layer.getBoundingClientRect();
  const size = layerSize(layer);
  const centre = G.pointToPdf(page, clientX - bounds.left, clientY - bounds.top, size[0], size[1]);
  const k = kinds[kind];
  const rect = G.clampRect(page, { x: centre[0] - k.width / 2, y: centre[1] - k.height / 2,
                                   width: k.width, height: k.height });
  // the page keeps still when a seal lands: neither the window nor the previews may scroll because the
  // panel grew (the first row of the table) or the new seal took the focus
  const pagesEl = document.getElementById("pages");
  const still = [window.scrollX, window.scrollY, pagesEl.scrollTop];
  const seal = add(kind, page, rect);
  if (seal && seal.box) { seal.box.focus({ preventScroll: true }); }
  if (window.scrollX !== still[0] || window.scrollY !== still[1]) { window.scrollTo(still[0], still[1]); }
  if (pagesEl.scrollTop !== still[2]) { pagesEl.scrollTop = still[2]; }
}

function visiblePage() {
  const middle = window.innerHeight / 2;
  let best = currentPage;
  let bestDistance = Infinity;
  Object.keys(layers).forEach(function (n) {
    const r = layers[n].getBoundingClientRect();
    const distance = r.top <= middle && r.bottom >= middle ? 0 : Math.min(Math.abs(r.top - middle),
                                                                          Math.abs(r.bottom - middle));
    if (distance < bestDistance) { bestDistance = distance; best = Number(n); }
  });
  return best;
}

function addWithKeyboard(kind) {
  const page = pages[visiblePage()] || pages[1];
  const k = kinds[kind];
  const already = seals.filter(function (s) { return s.page === page.number; }).length;
  const margin = 36;
  const rect = G.clampRect(page, {
    x: page.box[2] - margin - k.width - already * (k.width + 12), y: page.box[1] + margin,
    width: k.width, height: k.height
  });
  const seal = add(kind, page, rect);
  if (seal && seal.box) {
    seal.box.scrollIntoView({ block: "center" });
    seal.box.focus({ preventScroll: true });
  }
}

function layerAt(clientX, clientY) {
  const numbers = Object.keys(layers);
  for (let i = 0; i < numbers.length; i++) {
    const r = layers[numbers[i]].getBoundingClientRect();
    if (clientX >= r.left && clientX <= r.right && clientY >= r.top && clientY <= r.bottom) {
      return layers[numbers[i]];
    }
  }
  return null;
}

// -- dragging from the palette --------------------------------------------------------------
let suppressClickUntil = 0;
chips.forEach(function (chip) {
  chip.addEventListener("pointerdown", function (event) {
    if (event.button !== 0 || chip.disabled) { return; }
    event.preventDefault();
    const kind = chip.dataset.seal;
    const sx = event.clientX;
    const sy = event.clientY;
    let ghost = null;
    let target = null;
    chip.setPointerCapture(event.pointerId);
    function move(ev) {
      if (!ghost && Math.abs(ev.clientX - sx) + Math.abs(ev.clientY - sy) < 4) { return; }
      if (!ghost) {
        ghost = document.createElement("div");
        ghost.className = "seal-ghost seal-" + kind + (kinds[kind].image ? " with-image" : "");
        ghost.appendChild(sealFace(kind));
        document.body.appendChild(ghost);
      }
      const over = layerAt(ev.clientX, ev.clientY);
      if (over !== target) {
        if (target) { target.classList.remove("drop-target"); }
        if (over) { over.classList.add("drop-target"); }
        target = over;
      }
      const ref = over || layers[currentPage] || layers[Object.keys(layers)[0]];
      const scale = ref ? pxPerPoint(pages[ref.dataset.page]) : 1;
      const w = kinds[kind].width * scale;
      const h = kinds[kind].height * scale;
      ghost.style.width = w + "px";
      ghost.style.height = h + "px";
      ghost.style.left = (ev.clientX - w / 2) + "px";
      ghost.style.top = (ev.clientY - h / 2) + "px";
    }
    function up(ev) {
      chip.removeEventListener("pointermove", move);
      chip.removeEventListener("pointerup", up);
      chip.removeEventListener("pointercancel", up);
      if (target) { target.classList.remove("drop-target"); }
      if (!ghost) { return; }  // a click: the click handler adds the seal
      ghost.remove();
      suppressClickUntil = Date.now() + 400;
      const layer = ev.type === "pointerup" ? layerAt(ev.clientX, ev.clientY) : null;
      if (layer) { dropAt(kind, layer, ev.clientX, ev.clientY); }
    }
    chip.addEventListener("pointermove", move);
    chip.addEventListener("pointerup", up);
    chip.addEventListener("pointercancel", up);
  });
  chip.addEventListener("click", function (event) {
    // a mouse click right after a drag is the drag's own click; a keyboard click (detail 0) always counts
    if (event.detail !== 0 && Date.now() < suppressClickUntil) { return; }
    addWithKeyboard(chip.dataset.seal);
  });
});

Object.keys(layers).forEach(function (n) {
  layers[n].addEventListener("pointerdown", function () { currentPage = Number(n); });
});

// -- errors and start -----------------------------------------------------------------------
function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = false;
}

function hideError() { errorBox.hidden = true; }

function problems() {
  if (!seals.length) { return "请把至少一个印章拖到页面上"; }
  for (let i = 0; i < seals.length; i++) {
    const s = seals[i];
    const which = "第" + (i + 1) + "个印章（" + s.label + "）";
    if (!pages[s.page]) { return which + "的页码不存在（共" + draft.page_count + "页）"; }
    if (s.width < MIN_SIDE || s.height < MIN_SIDE) { return which + "太小：宽、高至少" + MIN_SIDE + "点"; }
    if (!G.inside(pages[s.page], s)) { return which + "超出了第" + s.page + "页的范围"; }
  }
  return null;
}

startButton.addEventListener("click", async function () {
  hideError();
  const problem = problems();
  if (problem) { showError(problem); return; }
  const body = {
    title: document.getElementById("title").value,
    pades_level: document.getElementById("pades_level").value,
    placements: seals.map(function (s) {
      return { seal: s.seal, page: s.page, x: s.x, y: s.y, width: s.width, height: s.height };
    })
  };
  startButton.disabled = true;
  let session;
  try {
    session = await request("POST", "/api/v1/drafts/" + encodeURIComponent(root.dataset.draftId) + "/start", body,
                            { offline: "网络错误，请检查网络后重试", fallback: "提交失败，请稍后重试" });
  } catch (err) {
    startButton.disabled = false;
    const details = err.messages.filter(function (m) { return m !== err.message; });
    showError(err.message + (details.length ? "：" + details.join("；") : ""));
    return;
  }
  window.location.assign("/sign/" + encodeURIComponent(session.id));
});

// -- start-up: the seals chosen last time (back from a cancelled session), and redraw on resize ---------------
(draft.placements || []).forEach(function (p) {
  if (kinds[p.seal] && pages[p.page]) {
    add(p.seal, pages[p.page], { x: p.x, y: p.y, width: p.width, height: p.height });
  }
});
renderTable();
function redraw() { seals.forEach(position); }
window.addEventListener("resize", redraw);
document.querySelectorAll(".sheet img").forEach(function (img) { img.addEventListener("load", redraw); });
