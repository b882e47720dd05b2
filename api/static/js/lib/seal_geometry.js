// Preview pixels <-> PDF user space (points, origin bottom-left).
// A preview shows the page's visible box [llx, lly, urx, ury] turned clockwise by its /Rotate (0/90/180/270);
// (u, v) are fractions of the preview measured from its top-left corner.
function toUnit(page, x, y) {
  const l = page.box[0], b = page.box[1], r = page.box[2], t = page.box[3];
  const u0 = (x - l) / (r - l);
  const v0 = (t - y) / (t - b);
  switch (page.rotation) {
    case 90: return [1 - v0, u0];
    case 180: return [1 - u0, 1 - v0];
    case 270: return [v0, 1 - u0];
    default: return [u0, v0];
  }
}

function fromUnit(page, u, v) {
  let u0 = u;
  let v0 = v;
  if (page.rotation === 90) { u0 = v; v0 = 1 - u; }
  else if (page.rotation === 180) { u0 = 1 - u; v0 = 1 - v; }
  else if (page.rotation === 270) { u0 = 1 - v; v0 = u; }
  const l = page.box[0], b = page.box[1], r = page.box[2], t = page.box[3];
  return [l + u0 * (r - l), t - v0 * (t - b)];
}

export function round1(value) { return Math.round(value * 10) / 10; }

// A seal rectangle {x, y, width, height} in points -> {left, top, width, height} on a w x h px preview.
export function rectToView(page, rect, w, h) {
  const a = toUnit(page, rect.x, rect.y);
  const c = toUnit(page, rect.x + rect.width, rect.y + rect.height);
  return {
    left: Math.min(a[0], c[0]) * w, top: Math.min(a[1], c[1]) * h,
    width: Math.abs(c[0] - a[0]) * w, height: Math.abs(c[1] - a[1]) * h
  };
}

// The inverse: a box on the preview -> a rectangle in points (rounded to 0.1 pt).
export function viewToRect(page, view, w, h) {
  const a = fromUnit(page, view.left / w, view.top / h);
  const c = fromUnit(page, (view.left + view.width) / w, (view.top + view.height) / h);
  return {
    x: round1(Math.min(a[0], c[0])), y: round1(Math.min(a[1], c[1])),
    width: round1(Math.abs(c[0] - a[0])), height: round1(Math.abs(c[1] - a[1]))
  };
}

export function pointToPdf(page, px, py, w, h) { return fromUnit(page, px / w, py / h); }

// Move a rectangle (keeping its size where it fits) so that it lies on the page.
export function clampRect(page, rect) {
  const l = page.box[0], b = page.box[1], r = page.box[2], t = page.box[3];
  const width = Math.min(rect.width, r - l);
  const height = Math.min(rect.height, t - b);
  return {
    x: round1(Math.min(Math.max(rect.x, l), r - width)), y: round1(Math.min(Math.max(rect.y, b), t - height)),
    width: round1(width), height: round1(height)
  };
}

export function inside(page, rect) {
  const eps = 0.01;
  return rect.x >= page.box[0] - eps && rect.y >= page.box[1] - eps &&
    rect.x + rect.width <= page.box[2] + eps && rect.y + rect.height <= page.box[3] + eps;
}
