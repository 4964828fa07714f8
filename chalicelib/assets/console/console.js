// The console's shell: sign-in, who is signed in, and hash routing to the pages (#/overview …).
// Each page module exports render(view, session); what it shows is what the API answers to
// this session.

import {
  ApiError, forget, get, redeem, signIn, signOut, takeHandoffCode, token, whenExpired, whoAmI,
} from "./api.js";
import {
  beijing, confirm, failure, field, h, label, notice, pageFrame, regionNames,
} from "./ui.js";

const PAGES = {
  overview: () => import("./overview.js"),
  subjects: () => import("./subjects.js"),
  subscriptions: () => import("./subscriptions.js"),
  deliveries: () => import("./deliveries.js"),
  uploads: () => import("./uploads.js"),
  log: () => import("./exchange-log.js"),
  agreements: () => import("./agreements.js"),
  stats: () => import("./stats.js"),
};

const main = document.getElementById("main");
let visits = 0; // which visit to a page is the current one
let here = "#/overview"; // the route shown, where a refused hand-off leaves the address
const nav = document.getElementById("nav");
const who = document.getElementById("who");
let session = null;
let signedOff = false; // the sign-in is shown because the session ended, until a session starts

function showSignIn(message, kind = "error") {
  clearTimeout(ending);
  session = null;
  signedOff = true;
  visits += 1; // a page still under way is now stale: it draws nothing and asks nothing more
  main.setAttribute("aria-busy", "false");
  nav.hidden = true;
  who.hidden = true;
  who.replaceChildren();
  const secret = h("input", { type: "password", name: "operator-token", autocomplete: "off",
    required: true, id: "operator-token" });
  const form = h("form", { class: "signin", novalidate: true },
    field("运营方令牌 operator token", secret),
    h("p", {}, h("button", { type: "submit", class: "primary" }, "登录 sign in")));
  const status = h("div", { "aria-live": "polite" });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = secret.value.trim();
    secret.value = "";
    if (!typed) {
      status.replaceChildren(notice("error", "请粘贴运营方令牌 paste the operator token"));
      return;
    }
    try {
      session = await signIn(typed);
      await start();
    } catch (error) {
      status.replaceChildren(failure(error, "登录失败 sign-in failed")); // with when to retry a 429
    }
  });
  pageFrame(main, "登录 sign in");
  main.append(
    message ? notice(kind, message) : "",
    h("p", {}, "运营方：粘贴运营方令牌，控制台换取一个短期会话，不保存令牌本身。"
      + " The operator pastes the operator token; the console exchanges it for a short-lived "
      + "session and keeps only that."),
    h("p", {}, "省、市平台：运行 ", h("code", {}, "gateway console --key-id … --key-file …"),
      "，它用平台密钥签名换取一次性交接码并打开此页。 A province or city runs that command: it "
      + "signs for a one-time hand-off code with the platform key and opens this page with it."),
    form, status);
  main.querySelector("h1").focus();
}

function showWho() {
  const place = session.region ? `${session.region} ${session.region_name ?? ""}`.trim() : "全国 all";
  const until = beijing(session.expires_at);
  const out = h("button", { type: "button", id: "sign-out", onclick: async () => {
    try {
      await signOut();
      showSignIn("已退出 signed out", "ok");
    } catch (error) {
      const why = error instanceof ApiError ? `${error.status} ${error.code}` : String(error);
      showSignIn(`已在此标签页退出，但服务器未能结束会话 (${why})：会话在到期 (${until}) 前仍然有效。`
        + ` Signed out in this tab, but the server could not close the session: it stays valid `
        + `until it expires (${until}). To close it now, a province or city closes all its `
        + "sessions with DELETE /v1/console/sessions signed with its key (or opens one with "
        + "`gateway console` and signs out there); the operator, with the operator token.");
    }
  } }, "退出 sign out");
  who.replaceChildren(
    h("span", { id: "who-role" }, label(session.role)),
    h("span", { id: "who-region" }, place),
    h("span", {}, `有效至 expires ${beijing(session.expires_at)}`),
    out);
  who.hidden = false;
  nav.hidden = false;
  endsAt(session.expires_at);
}

let ending;

/** At the session's end the page forgets it and clears what it showed, asking to sign in
 *  again, instead of showing it until the next call (review 151). */
function endsAt(expiresAt) {
  clearTimeout(ending);
  const left = Date.parse(expiresAt) - Date.now();
  ending = setTimeout(() => {
    forget();
    showSignIn(`会话已于 ${beijing(expiresAt)} 到期，请重新登录 (the session expired: sign in again)`);
  }, Math.max(0, left));
}

async function route() {
  if (!session) return;
  const asked = (location.hash.match(/^#\/([a-z-]+)/) ?? [])[1];
  const name = Object.hasOwn(PAGES, asked ?? "") ? asked : "overview";
  const load = PAGES[name];
  here = `#/${name}`;
  for (const link of nav.querySelectorAll("a")) {
    if (link.getAttribute("href") === `#/${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  // Each visit renders into its own element: a page still waiting for the API when the reader
  // moves on finishes into a detached one, never into the page that replaced it.
  const ticket = ++visits;
  const view = h("div", {}, notice("", "加载中 loading…"));
  main.replaceChildren(view);
  main.setAttribute("aria-busy", "true"); // until the page has what it asked the API for
  try {
    const page = await load();
    // signed out (or expired) while the page's module loaded: its calls would find no session
    // and replace what the sign-in said with "sign in first"
    if (ticket === visits) await page.render(view, session);
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      view.append(notice("error", `页面出错 the page failed: ${error.message ?? error}`));
    }
  }
  if (ticket !== visits) return; // another page is under way: it sets focus and aria-busy
  if (session) view.querySelector("h1")?.focus(); // (a 401 has shown the sign-in instead)
  main.setAttribute("aria-busy", "false");
}

/** Names beside region codes; without them (an older gateway) the codes alone are shown. */
async function learnRegionNames() {
  try {
    for (const region of (await get("/v1/regions")).regions) regionNames.set(region.code, region.name);
  } catch {
    // a 401 has shown the sign-in already (api.js); anything else leaves the codes alone
  }
}

async function start() {
  signedOff = false;
  try {
    session = await whoAmI();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      showSignIn(`无法确认会话 could not read the session: ${error.message ?? error}`);
    }
    return;
  }
  await learnRegionNames();
  if (!session) return; // the session ended meanwhile
  showWho();
  if (!/^#\/[a-z]/.test(location.hash)) history.replaceState(null, "", "#/overview");
  await route();
}

/** Open the console: a hand-off code in the address is taken out of it at once, and redeemed
 *  only into a tab that holds no session, once its reader confirms it. A link anyone can send
 *  (a platform mints codes for its own region) must not sign a tab in as that region unasked,
 *  nor end the session a tab holds: sign out first to use another code. */
async function arrive(first) {
  const code = takeHandoffCode(first ? "#/overview" : here);
  if (code !== null && token()) {
    if (first) await start();
    if (session) main.firstElementChild?.prepend(notice("warn", "已登录 already signed in — sign "
      + "out first to use another hand-off (退出后再使用新的交接码)"));
    return;
  }
  if (code !== null) {
    const agreed = await confirm("交接登录 hand-off sign-in",
      "此链接以 gateway console 交接的会话登录本标签页。仅当您刚刚亲自运行了 gateway console 时才确认："
      + "他人发来的链接会让您看到他们地区的控制台。 This link signs this tab in with a session "
      + "handed off by gateway console. Confirm only if you ran it yourself just now: a link "
      + "from anyone else would show you their region's console, not yours.");
    if (!agreed) {
      showSignIn();
      return;
    }
    try {
      await redeem(code);
    } catch (error) {
      const why = error instanceof ApiError ? error.code : String(error);
      showSignIn("交接码无效、已用过或已过期，请重新运行 gateway console (the hand-off code is "
        + `invalid, used or older than a minute: ${why}; run gateway console again)`);
      return;
    }
  }
  if (token()) await start();
  else showSignIn();
}

// The skip link moves focus to the page without touching the address: "#main" there would
// read as a route.
document.querySelector("a.skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
// A call from a page that was under way when the session ended (signed out, expired) answers
// 401 too: the sign-in already says why, and keeps saying it.
whenExpired((message) => {
  if (!signedOff) showSignIn(message);
});
// A hand-off code may also arrive in a tab that is already open.
window.addEventListener("hashchange", () => (location.hash.startsWith("#handoff=") ? arrive(false) : route()));
arrive(true);
