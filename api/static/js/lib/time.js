/* Times on the pages are 北京时间 (Asia/Shanghai), whatever the browser's own zone. */

const ZONE = "Asia/Shanghai";
const MINUTE = new Intl.DateTimeFormat("en-CA", {
  timeZone: ZONE, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit",
  minute: "2-digit",
});

/* "2026-03-01 08:05" for an ISO time, "-" for none. */
export function minuteTime(iso) {
  if (!iso) return "-";
  const d = new Date(iso);
  if (isNaN(d.getTime())) return "-";
  const p = {};
  for (const part of MINUTE.formatToParts(d)) p[part.type] = part.value;
  return p.year + "-" + p.month + "-" + p.day + " " + p.hour + ":" + p.minute;
}

/* The full local form with its zone named, e.g. "2026/3/1 08:05:09（北京时间）"; null for none. */
export function beijingTime(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  if (isNaN(d.getTime())) return iso;
  return d.toLocaleString("zh-CN", { timeZone: ZONE, hour12: false }) + "（北京时间）";
}
