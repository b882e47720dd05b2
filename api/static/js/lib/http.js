/* The pages' one way to call the JSON API: same origin, the session cookie, the CSRF header, and one shape for
   every failure — an ApiError {status, code, message, fields, messages}. */

/* The CSRF token the page was rendered with (the only reader of the meta tag). */
export function csrfToken() {
  const meta = document.querySelector("meta[name=csrf-token]");
  return meta ? meta.getAttribute("content") : "";
}

export class ApiError extends Error {
  constructor(message, { status = 0, code = null, fields = {}, messages = [] } = {}) {
    super(message);
    this.status = status;   // 0: the request never got an answer
    this.code = code;
    this.fields = fields;   // "handler.name" -> "请填写…" (a field's messages joined by "；")
    this.messages = messages;  // every message in `details`, in order
  }
}

/* `details` of an error answer -> dotted field names with their messages, and the flat list of messages. */
export function flattenDetails(details) {
  const fields = {};
  const messages = [];
  function walk(value, name) {
    if (Array.isArray(value) && value.every((v) => v === null || typeof v !== "object")) {
      const texts = value.map(String);
      messages.push(...value.filter((v) => typeof v === "string"));
      if (name) fields[name] = texts.join("；");
    } else if (value && typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) walk(inner, name ? name + "." + key : key);
    } else if (value !== undefined && value !== null) {
      if (typeof value === "string") messages.push(value);
      if (name) fields[name] = String(value);
    }
  }
  walk(details || {}, "");
  return { fields, messages };
}

const OFFLINE = "网络连接失败，请稍后重试";
const FAILED = "操作失败，请稍后重试";

/* One API call. `body` is sent as JSON, or as multipart when it is a FormData. Answers the decoded JSON (null
   for 204); throws ApiError. `options.offline` / `options.fallback` are the messages when there is no answer
   or the answer carries none (fallback "" leaves the choice to the page); `options.cache` is passed to fetch. */
export async function request(method, path, body, options = {}) {
  const init = { method: method, credentials: "same-origin", headers: { "X-CSRF-Token": csrfToken() } };
  if (options.cache) init.cache = options.cache;
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let resp;
  try {
    resp = await fetch(path, init);
  } catch (e) {
    throw new ApiError(options.offline || OFFLINE);
  }
  const data = resp.status === 204 ? null : await resp.json().catch(() => null);
  if (!resp.ok) {
    const err = (data && data.error) || {};
    const { fields, messages } = flattenDetails(err.details);
    throw new ApiError(err.message || (options.fallback ?? FAILED),
                       { status: resp.status, code: err.code || null, fields, messages });
  }
  return data;
}

export const getJson = (path, options) => request("GET", path, undefined, options);
export const postJson = (path, body, options) => request("POST", path, body, options);
