// 订阅 subscriptions: each endpoint's state and health, its recent attempts, and the actions —
// redrive (the operator's only: a region is not offered it, and the API refuses it anyway),
// enable, replay, test event — each behind a confirmation, its result shown.

import { api, ApiError, get } from "./api.js";
import {
  beijing, capped, confirm, empty, failure, field, h, kv, latest, LIMIT, list, notice, pageFrame,
  pagedTable, place, stateBadge,
} from "./ui.js";

export async function render(view, session) {
  pageFrame(view, "订阅 subscriptions", session.role === "operator"
    ? "所有地区的订阅。 Every region's subscriptions."
    : `本地区 ${session.region} 的订阅。 Your region's subscriptions.`);
  let found;
  try {
    found = (await get("/v1/subscriptions")).subscriptions;
  } catch (error) {
    view.append(failure(error, "GET /v1/subscriptions"));
    return;
  }
  const detail = h("section", { id: "subscription-detail", "aria-live": "polite" });
  const columns = [
    { title: "订阅 subscription", cell: (s) => h("button", { type: "button",
      "data-subscription": s.subscription_id, onclick: () => open(detail, s.subscription_id, session) },
    s.subscription_id) },
    { title: "地区 region", cell: (s) => place(s.region) },
    { title: "地址 URL", cell: (s) => s.url },
    { title: "状态 state", cell: (s) => [stateBadge(s.state), " ", health(s)] },
    { title: "失败起始 failing since", cell: (s) => beijing(s.failing_since) },
  ];
  view.append(pagedTable("订阅 subscriptions", columns, found,
    "还没有订阅。 No subscription yet: a province subscribes its webhook endpoint with "
    + "POST /v1/subscriptions (or `gateway subscribe`), and it is listed here."), detail);
  if (found.length) detail.append(empty("选择一个订阅查看投递与操作。 Choose a subscription to see "
    + "its attempts and actions."));
}

function health(s) {
  if (!s.enabled) return `已停用 disabled (${s.disabled_reason ?? "—"})`;
  if (s.paused_at) return `已暂停 paused ${beijing(s.paused_at)}`;
  return s.failing_since ? "失败中 failing" : "正常 healthy";
}

async function open(detail, id, session) {
  const current = latest(detail); // a slower reply for a subscription clicked before draws nothing
  detail.replaceChildren(notice("", "加载中 loading…"));
  let s;
  let deliveries;
  let dead;
  try {
    [s, deliveries, dead] = await Promise.all([get(`/v1/subscriptions/${id}`),
      get(`/v1/subscriptions/${id}/deliveries?limit=${LIMIT}`),
      get(`/v1/subscriptions/${id}/deliveries?state=dead&limit=${LIMIT}`)]);
  } catch (error) {
    if (current()) detail.replaceChildren(failure(error, `GET /v1/subscriptions/${id}`));
    return;
  }
  if (!current()) return;
  const attempts = deliveries.deliveries.flatMap((d) => d.attempts.map((a) => ({ ...a, d })))
    .sort((a, b) => (a.at < b.at ? 1 : -1));
  const deadCount = dead.deliveries.length >= LIMIT ? `${LIMIT}+` : String(dead.deliveries.length);
  const result = h("div", { id: "action-result", "aria-live": "polite" });
  const act = (text, cls, run) => h("button", { type: "button", class: cls,
    onclick: () => run(s, result, () => open(detail, id, session)) }, text);
  detail.replaceChildren(
    h("h2", { tabindex: "-1" }, `订阅 ${s.subscription_id}`),
    kv([
      ["地区 region", place(s.region)], ["地址 URL", s.url], ["状态 state", [stateBadge(s.state), " ", health(s)]],
      ["签名 scheme", s.signature_scheme], ["过滤 filters", `kinds ${list(s.filters.kinds)}; domains `
        + `${list(s.filters.domains)}; sources ${list(s.filters.source_regions)}`],
      ["创建 created", beijing(s.created_at)], ["失败起始 failing since", beijing(s.failing_since)],
      ["失败投递 dead deliveries", deadCount],
    ]),
    h("div", { class: "bar", role: "group", "aria-label": "操作 actions" },
      session.role === "operator" ? act("重新投递 redrive", "danger", redrive) : "",
      act("启用 enable", "", enable), act("重放 replay", "", replay), act("测试事件 test event", "", test)),
    result,
    capped(deliveries.deliveries.length, "更早投递的尝试未列出 older deliveries' attempts not listed"),
    pagedTable("最近的尝试 recent attempts", [
      { title: "时间 at", cell: (a) => beijing(a.at) },
      { title: "投递 delivery", cell: (a) => a.d.delivery_id },
      { title: "HTTP", num: true, cell: (a) => String(a.status) },
      { title: "耗时 latency (ms)", num: true, cell: (a) => String(a.latency_ms) },
      { title: "投递现状 delivery now", cell: (a) => stateBadge(a.d.state) },
      { title: "回应 response", cell: (a) => a.not_sent?.reason ?? a.response_excerpt },
    ], attempts, "还没有投递给此订阅。 Nothing was delivered to this subscription yet: it receives "
      + "the changes its filters match from its creation on."));
  detail.querySelector("h2").focus();
}

async function perform(result, what, method, path, body, show, reload) {
  await performing(result, what, () => api(method, path, body), show, reload);
}

/** ``run``'s answer shown in the detail drawn again, or why it failed. */
async function performing(result, what, run, show, reload) {
  try {
    const answer = await run();
    await reload(); // the detail is drawn again: the result goes in its new result box
    document.getElementById("action-result")?.replaceChildren(notice("ok", `${what}: ${show(answer)}`));
  } catch (error) {
    result.replaceChildren(failure(error, what));
  }
}

async function redrive(s, result, reload) {
  if (!await confirm("重新投递 redrive", `把 ${s.subscription_id} 的失败投递重新排队，保留原 webhook-id。 `
    + `Queue the dead deliveries of ${s.subscription_id} again, with their webhook ids.`)) return;
  await perform(result, "重新投递 redrive", "POST", `/v1/subscriptions/${s.subscription_id}/redrive`,
    {}, (a) => `已排队 ${a.redriven} 条 queued ${a.redriven}`, reload);
}

async function enable(s, result, reload) {
  if (!await confirm("启用 enable", `重新启用 ${s.subscription_id} 的端点，并投递停用期间错过的变更。 `
    + `Turn the endpoint of ${s.subscription_id} back on and deliver what it missed.`)) return;
  await perform(result, "启用 enable", "POST", `/v1/subscriptions/${s.subscription_id}/enable`, {},
    (a) => `已启用，重新排队 ${a.redriven} 条 enabled, ${a.redriven} queued again`, reload);
}

async function replay(s, result, reload) {
  const from = h("input", { type: "number", min: 1, value: (s.log_start ?? 0) + 1, required: true });
  if (!await confirm("重放 replay", `向 ${s.subscription_id} 按顺序重新投递日志中从此序号起的匹配变更。 `
    + `Deliver the logged changes ${s.subscription_id} matches again, in order, from this sequence `
    + "on.", [field("起始序号 from sequence", from)])) return;
  const path = `/v1/subscriptions/${s.subscription_id}/replay`;
  await performing(result, "重放 replay", () => replayAll(path, Number(from.value), result),
    (a) => `${a.from_sequence}–${a.to_sequence}, 已排队 queued ${a.queued}`, reload);
}

const RATE_LIMITED_TRIES = 3;

/** The whole range, request after request as `gateway subscription replay` goes: one request
 *  goes through at most 5,000 log entries and names where the next starts (which must be further
 *  on); a 429 is waited out a few times in a row. What every request queued, summed. */
async function replayAll(path, start, result) {
  const done = { from_sequence: start, to_sequence: start, queued: 0 };
  for (let limited = 0; ;) {
    let answer;
    try {
      answer = await api("POST", path, { from_sequence: start });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 429 || limited >= RATE_LIMITED_TRIES) {
        throw error;
      }
      limited += 1;
      const wait = /^\d+$/.test(error.retryAfter ?? "") ? Number(error.retryAfter) : 1;
      await new Promise((go) => setTimeout(go, Math.min(wait, 60) * 1000));
      continue;
    }
    limited = 0;
    done.to_sequence = answer.to_sequence;
    done.queued += answer.queued;
    const next = answer.next_from_sequence;
    if (next === null || next === undefined) return done;
    if (!Number.isInteger(next) || next <= start) {
      throw new Error(`the gateway named ${next} to go on from, not after ${start}`);
    }
    start = next;
    result.replaceChildren(notice("ok", `重放 replay: ${done.from_sequence}–${done.to_sequence}, `
      + `已排队 queued ${done.queued} …`));
  }
}

async function test(s, result, reload) {
  if (!await confirm("测试事件 test event", `立即向 ${s.subscription_id} 的端点发送一个签名的 `
    + `subscription.test 事件。 Send a signed subscription.test event to the endpoint of `
    + `${s.subscription_id} now.`)) return;
  await perform(result, "测试事件 test event", "POST", `/v1/subscriptions/${s.subscription_id}/test`,
    {}, (a) => `${a.delivered ? "已送达 delivered" : "未送达 not delivered"}, HTTP ${a.attempt.status}, `
      + `${a.attempt.latency_ms} ms`, reload);
}
