// The console's one way to the API: every call carries the console session's bearer token in the
// Authorization header (never in a URL), and a 401 ends the session. The token lives in this
// tab's sessionStorage only; the operator token typed at sign-in, or the one-time hand-off code
// `gateway console` opens the page with, is exchanged for it and forgotten.

const KEY = "cg-console-session";
const root = document.querySelector('meta[name="api-root"]')?.content ?? "";

export class ApiError extends Error {
  constructor(status, code, message, path, retryAfter) {
    super(message);
    this.status = status;
    this.code = code;
    this.path = path;
    this.retryAfter = retryAfter; // a 429's or 503's Retry-After header, when it came with one
  }
}

let onExpired = () => {};

/** What to do when the API answers 401 to the session (the console shows its sign-in). */
export function whenExpired(handler) {
  onExpired = handler;
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function forget() {
  sessionStorage.removeItem(KEY);
}

/** A hand-off code `gateway console` put in the URL fragment (#handoff=…), taken out of the
 *  address bar and the history at once; `redeem` turns it into the session's token. */
export function takeHandoffCode(back = "#/overview") {
  const match = /^#handoff=([A-Za-z0-9_-]*)/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, "", location.pathname + location.search + back);
  return match[1];
}

async function call(method, path, body, bearer) {
  const headers = { Accept: "application/json" };
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  const init = { method, headers, credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const reply = await fetch(root + path, init);
  const text = await reply.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!reply.ok) {
    const error = data?.error ?? {};
    throw new ApiError(reply.status, error.code ?? "http_" + reply.status,
      error.message ?? (text.slice(0, 200) || reply.statusText), error.path,
      reply.headers.get("Retry-After") ?? undefined);
  }
  return data;
}

/** A call with the session's token; a 401 forgets that session and says why. */
export async function api(method, path, body) {
  const bearer = token();
  if (!bearer) {
    onExpired("请先登录 sign in first");
    throw new ApiError(401, "not_signed_in", "not signed in");
  }
  try {
    return await call(method, path, body, bearer);
  } catch (error) {
    // a 401 to a session this tab no longer holds (signed out, or signed in anew meanwhile)
    // ends nothing: the session held now is not the one refused
    if (error instanceof ApiError && error.status === 401 && token() === bearer) {
      forget();
      onExpired(`会话已过期或被撤销，请重新登录 (session expired or revoked: ${error.code})`);
    }
    throw error;
  }
}

export const get = (path) => api("GET", path);

/** The operator token for a short-lived console session; the operator token is not kept. */
export async function signIn(operatorToken) {
  const session = await call("POST", "/v1/console/sessions", {}, operatorToken);
  sessionStorage.setItem(KEY, session.token);
  return session;
}

/** A hand-off code for its session (good once, within a minute: the code is the credential),
 *  in a tab that holds none (console.js refuses a code into a tab signed in). */
export async function redeem(code) {
  const session = await call("POST", "/v1/console/handoffs", { code });
  sessionStorage.setItem(KEY, session.token);
  return session;
}

/** Who this session is: role, region, expiry (401 if it expired or was revoked). */
export function whoAmI() {
  return get("/v1/console/session");
}

/** Close the session on the server and forget it here. The token is forgotten whatever the
 *  server answered; a failure (other than a 401: the session had ended already) is thrown for
 *  the page to say that the session stays valid until it expires. */
export async function signOut() {
  const held = token();
  forget();
  if (!held) return;
  try {
    await call("DELETE", "/v1/console/session", undefined, held);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
}

/** A query string from the set fields of `params`. */
export function query(params) {
  const pairs = Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "");
  return pairs.length ? "?" + new URLSearchParams(pairs).toString() : "";
}
