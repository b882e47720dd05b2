/* The one formatter of times on the pages: 北京时间 (Asia/Shanghai) whatever the browser's own zone, in the
   form the server's pages use ("2026-03-01 08:05:09", the `cst` template filter). */

const ZONE = "Asia/Shanghai";
const SECOND = new Intl.DateTimeFormat("en-CA", {
  timeZone: ZONE, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
  minute: "2-digit", second: "2-digit",
});

/* "2026-03-01 08:05:09" for an ISO time; null for none or nonsense. */
function full(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  if (isNaN(d.getTime())) return null;
  const p = {};
  for (const part of SECOND.formatToParts(d)) p[part.type] = part.value;
  return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute + ":" + p.second;
}

/* "2026-03-01 08:05" for an ISO time (lists), "-" for none. */
export function minuteTime(iso) {
  const text = full(iso);
  return text ? text.slice(0, 16) : "-";
}

/* The full form with its zone named, "2026-03-01 08:05:09（北京时间）"; null for none, the raw text if unreadable. */
export function beijingTime(iso) {
  if (!iso) return null;
  const text = full(iso);
  return text ? text + "（北京时间）" : iso;
}
