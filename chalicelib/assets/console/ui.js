// Small DOM helpers every page uses: elements built from text only (no innerHTML, so nothing the
// API returns is ever read as markup), Beijing time, paged tables, notices, the confirmation
// dialog.

import { ApiError } from "./api.js";

/** An element: `attrs` are attributes (on* names are listeners), children are nodes or text. */
export function h(tag, attrs = {}, ...children) {
  const svg = ["svg", "g", "rect", "line", "polyline", "text", "title", "circle"].includes(tag);
  const node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag)
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

const LABELS = {
  black: "黑名单 black", red: "红名单 red", delivered: "已送达 delivered",
  retrying: "重试中 retrying", dead: "失败 dead", verified: "已验证 verified",
  pending: "待验证 pending", active: "有效 active", suspended: "中止 suspended",
  serious: "严重 serious", general: "一般 general", operator: "运营方 operator",
  region: "地区 region", completed: "已完成 completed", ingesting: "处理中 ingesting",
  awaiting_upload: "等待文件 awaiting upload", refused: "已拒绝 refused",
  delta: "增量 delta", resync: "全量同步 resync", check: "批量核查 check",
  black_listing_in_force: "失信名单生效中 a black listing is in force",
};

/** Registered regions' names by code (GET /v1/regions, read once at sign-in). */
export const regionNames = new Map();

/** A region code with its name beside it, where the console knows it. */
export const place = (code) => (code ? `${code} ${regionNames.get(code) ?? ""}`.trim() : "—");

/** A key with its Chinese label beside it, where the console knows one. */
export const label = (key) => LABELS[key] ?? key ?? "—";

const pad = (n) => String(n).padStart(2, "0");

/** An instant in Beijing time (UTC+8, no daylight saving), the zone said. */
export function beijing(iso, withZone = true) {
  if (!iso) return "—";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return String(iso);
  const b = new Date(at.getTime() + 8 * 3600 * 1000);
  const text = `${b.getUTCFullYear()}-${pad(b.getUTCMonth() + 1)}-${pad(b.getUTCDate())} `
    + `${pad(b.getUTCHours())}:${pad(b.getUTCMinutes())}`;
  return withZone ? `${text} (北京时间 UTC+8)` : text;
}

/** The current month in Beijing time, YYYY-MM. */
export function beijingMonth() {
  const b = new Date(Date.now() + 8 * 3600 * 1000);
  return `${b.getUTCFullYear()}-${pad(b.getUTCMonth() + 1)}`;
}

export function notice(kind, ...text) {
  return h("p", { class: `notice ${kind}`, role: kind === "error" ? "alert" : "status" }, ...text);
}

/** What an empty page or table says: what is missing and what to do next. */
export const empty = (...text) => h("div", { class: "empty" }, ...text);

/** When to try again, from a Retry-After header: seconds, or an HTTP date. */
function retryAfter(value) {
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - Date.now()) / 1000;
  if (!Number.isFinite(seconds)) return `稍后重试 retry later (Retry-After: ${value})`;
  const wait = Math.max(0, Math.ceil(seconds));
  return `请 ${wait} 秒后重试，约 ${beijing(new Date(Date.now() + wait * 1000).toISOString())} `
    + `retry in ${wait} s`;
}

/** A failed call, said plainly (the API's code and message). */
export function failure(error, what) {
  if (error instanceof ApiError) {
    // API Gateway's (and Chalice's) answer for a route this deployment does not have: no
    // gateway error body, so no code of ours.
    const missing = [403, 404].includes(error.status) && error.code.startsWith("http_");
    const text = missing ? `此网关没有这个接口 (not offered by this gateway: ${what})`
      : `${what}: ${error.status} ${error.code} — ${error.message}`;
    return notice("error", text, error.retryAfter ? ` ${retryAfter(error.retryAfter)}` : "");
  }
  return notice("error", `${what}: ${error.message ?? error}`);
}

export const badge = (key, tone) => h("span", { class: `badge ${tone ?? ""}` }, label(key));

export function stateBadge(state) {
  const tone = { delivered: "ok", verified: "ok", completed: "ok", active: "ok",
    retrying: "warn", pending: "warn", ingesting: "warn", dead: "bad", refused: "bad" }[state];
  return badge(state, tone);
}

/** A ticket for what `pane` shows next: the function it returns is true while no newer request
 *  for the pane has started, so a slow reply that lands after a newer click draws nothing. */
export function latest(pane) {
  const ticket = String(Number(pane.dataset.ticket ?? 0) + 1);
  pane.dataset.ticket = ticket;
  return () => pane.dataset.ticket === ticket;
}

/** The most rows the console asks a list for (the API's maximum `limit`). */
export const LIMIT = 500;

/** What a list says when the API returned as many rows as asked for: there may be more. */
export const capped = (count, hint) => (count >= LIMIT
  ? notice("warn", `只显示最新 ${LIMIT} 条 newest ${LIMIT} shown${hint ? ` — ${hint}` : ""}`) : "");

/** Turn a page with `update`, then keep the keyboard's place: a previous / next button that
 *  had focus and is now disabled hands it to the other one, or (both disabled) to `fallback`. */
export async function turnPage(prev, next, fallback, update) {
  const focused = document.activeElement;
  await update();
  if ((focused === prev || focused === next) && focused.disabled) {
    const other = focused === prev ? next : prev;
    (other.disabled ? fallback : other).focus();
  }
}

/** A table of `rows`, 20 to a page with previous / next; `columns`: [{title, cell, num}]. */
export function pagedTable(caption, columns, rows, emptyText, size = 20) {
  const box = h("div", { class: "paged" });
  if (!rows.length) {
    box.append(empty(emptyText));
    return box;
  }
  let page = 0;
  const pages = Math.ceil(rows.length / size);
  const body = h("tbody");
  const status = h("span", { "aria-live": "polite" });
  const title = h("caption", { tabindex: "-1" }, caption);
  const prev = h("button", { type: "button", onclick: () => turnPage(prev, next, title, () => show(page - 1)) },
    "上一页 previous");
  const next = h("button", { type: "button", onclick: () => turnPage(prev, next, title, () => show(page + 1)) },
    "下一页 next");
  const show = (n) => {
    page = Math.max(0, Math.min(pages - 1, n));
    body.replaceChildren(...rows.slice(page * size, page * size + size).map((row) =>
      h("tr", {}, columns.map((c) => h("td", { class: c.num ? "num" : null }, c.cell(row))))));
    status.textContent = `第 ${page + 1} / ${pages} 页 (page ${page + 1} of ${pages}, ${rows.length} 行 rows)`;
    prev.disabled = page === 0;
    next.disabled = page === pages - 1;
  };
  box.append(h("table", {}, title,
    h("thead", {}, h("tr", {}, columns.map((c) =>
      h("th", { scope: "col", class: c.num ? "num" : null }, c.title)))),
    body));
  if (pages > 1) box.append(h("div", { class: "pager" }, prev, next, status));
  show(0);
  return box;
}

/** A labelled form control. */
export function field(text, control) {
  return h("label", {}, text, control);
}

export function kv(pairs) {
  return h("dl", { class: "kv" }, pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
}

/** Ask before an action: resolves true when confirmed. `fields` are extra controls shown. */
export function confirm(title, text, fields = []) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-title").textContent = title;
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-fields").replaceChildren(...fields);
  const opener = document.activeElement;
  return new Promise((resolve) => {
    const ok = document.getElementById("confirm-ok");
    const cancel = document.getElementById("confirm-cancel");
    const done = (answer) => {
      ok.onclick = cancel.onclick = dialog.oncancel = null;
      dialog.close();
      opener?.focus?.();
      resolve(answer);
    };
    ok.onclick = () => done(true);
    cancel.onclick = () => done(false);
    dialog.oncancel = () => done(false);
    dialog.showModal();
    (fields.length ? dialog.querySelector("input, select") : cancel)?.focus();
  });
}

/** The page's heading, and the region the page's results go in. */
export function pageFrame(view, title, intro) {
  const heading = h("h1", { tabindex: "-1" }, title);
  view.replaceChildren(heading, intro ? h("p", {}, intro) : "");
  return heading;
}

const RESIDENT_ID = /^[1-9]\d{16}[\dXx]$/;

/** A resident ID number masked as the gateway masks it (region and check character kept): the
 *  console never shows one in full, whatever the API may show its caller. */
export const maskId = (text) => (typeof text === "string" && RESIDENT_ID.test(text)
  ? `${text.slice(0, 6)}${"*".repeat(11)}${text.slice(17)}` : text);

/** Data shown as JSON, any resident ID number in it masked. */
export const json = (data) => h("pre", {}, JSON.stringify(data, (_, v) => maskId(v), 2));
export const list = (items) => (items?.length ? items.map(label).join(", ") : "全部 any");
