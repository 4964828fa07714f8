// 投递 deliveries: one subscription's deliveries filtered by state and time, and one delivery
// opened: its attempts (GET /v1/deliveries/{id}) and the signed headers and body it carried
// (GET /v1/deliveries/{id}/body).

import { get, query } from "./api.js";
import {
  beijing, capped, empty, failure, field, h, json, kv, latest, LIMIT, notice, pageFrame, pagedTable,
  place, stateBadge,
} from "./ui.js";

/** Calls one list follows ``next`` through while it has found fewer than LIMIT: a call stops
 *  at its read bound (5,000 items, those a state filter passes over included), perhaps with
 *  none found yet. */
const MOST_CALLS = 10;

/** The deliveries of ``path`` with ``params``, following ``next``; and whether more are left. */
async function listed(path, params) {
  let deliveries = [];
  let after;
  for (let call = 0; call < MOST_CALLS; call += 1) {
    const found = await get(path + query({ ...params, limit: LIMIT - deliveries.length, after }));
    deliveries = deliveries.concat(found.deliveries);
    after = found.next;
    if (!after || deliveries.length >= LIMIT) break;
  }
  return { deliveries, more: Boolean(after) && deliveries.length < LIMIT };
}

/** A datetime-local value, read as Beijing time, as an instant the API takes. */
function instant(local) {
  return local ? new Date(`${local}:00+08:00`).toISOString() : "";
}

export async function render(view, session) {
  pageFrame(view, "投递 deliveries", "选择订阅，按状态和时间筛选，打开一条投递查看尝试与签名正文。 "
    + "Choose a subscription, filter by state and time (Beijing time), open a delivery.");
  let subscriptions;
  try {
    subscriptions = (await get("/v1/subscriptions")).subscriptions;
  } catch (error) {
    view.append(failure(error, "GET /v1/subscriptions"));
    return;
  }
  if (!subscriptions.length) {
    view.append(empty("没有订阅，因此没有投递。 No subscription, so no deliveries: subscribe an "
      + "endpoint first (POST /v1/subscriptions)."));
    return;
  }
  const which = h("select", { name: "subscription" }, subscriptions.map((s) =>
    h("option", { value: s.subscription_id }, `${place(s.region)} · ${s.subscription_id}`)));
  const state = h("select", { name: "state" }, [["", "全部 any"], ["delivered", "已送达 delivered"],
    ["retrying", "重试中 retrying"], ["dead", "失败 dead"]].map(([v, t]) => h("option", { value: v }, t)));
  const since = h("input", { type: "datetime-local", name: "since" });
  const until = h("input", { type: "datetime-local", name: "until" });
  const results = h("div", { id: "delivery-list", "aria-live": "polite" });
  const detail = h("section", { id: "delivery-detail" });
  const form = h("form", { class: "bar", novalidate: true },
    field("订阅 subscription", which), field("状态 state", state),
    field("起 since (北京时间 UTC+8)", since), field("止 until (北京时间 UTC+8)", until),
    h("button", { type: "submit", class: "primary" }, "筛选 filter"));
  const load = async () => {
    const current = latest(results);
    results.replaceChildren(notice("", "加载中 loading…"));
    const params = { state: state.value, since: instant(since.value), until: instant(until.value) };
    try {
      const found = await listed(`/v1/subscriptions/${which.value}/deliveries`, params);
      if (!current()) return;
      const hint = "缩小时间范围 narrow the time range";
      results.replaceChildren(capped(found.deliveries.length, hint),
        found.more ? notice("warn", `还有更早的投递未读 older deliveries not read yet — ${hint}`) : "",
        table(found.deliveries, detail));
    } catch (error) {
      if (current()) results.replaceChildren(failure(error, "GET /v1/subscriptions/{id}/deliveries"));
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  view.append(form, results, detail);
  await load();
}

function table(deliveries, detail) {
  return pagedTable("投递（最新在前） deliveries, newest first", [
    // a line of a delivered batch has no record of its own: it opens its batch
    { title: "投递 delivery", cell: (d) => h("button", { type: "button", "data-delivery": d.delivery_id,
      onclick: () => open(detail, d.batch_id ?? d.delivery_id) }, d.delivery_id) },
    { title: "状态 state", cell: (d) => stateBadge(d.state) },
    { title: "名单 listing", cell: (d) => d.listing_id ?? "" }, // none: a batch being retried
    { title: "批 batch", cell: (d) => d.batch_id ?? "" },
    { title: "尝试 attempts", num: true, cell: (d) => String(d.attempts.length) },
    { title: "更新 updated", cell: (d) => beijing(d.updated_at) },
  ], deliveries, "没有符合条件的投递。 No delivery matches: widen the time range or choose "
    + "another state or subscription.");
}

async function open(detail, id) {
  const current = latest(detail);
  detail.replaceChildren(notice("", "加载中 loading…"));
  let delivery;
  try {
    delivery = await get(`/v1/deliveries/${id}`);
  } catch (error) {
    if (current()) detail.replaceChildren(failure(error, `GET /v1/deliveries/${id}`));
    return;
  }
  if (!current()) return; // another delivery was opened meanwhile
  if (delivery.batch) {
    batchDetail(detail, id, delivery);
    return;
  }
  const body = h("div", {}, notice("", "加载签名正文 loading the signed body…"));
  detail.replaceChildren(
    h("h2", { tabindex: "-1" }, `投递 ${id}`),
    kv([["状态 state", stateBadge(delivery.state)], ["订阅 subscription", delivery.subscription_id],
      // a replay's record of its own: the delivery (and webhook id) it sent again
      ...(delivery.replay_of ? [["重放自 replay of", delivery.replay_of]] : []),
      ["名单 listing", delivery.listing_id], ["更新 updated", beijing(delivery.updated_at)]]),
    attemptsTable(delivery.attempts),
    h("h3", {}, "签名头与正文 signed headers and body"), body);
  detail.querySelector("h2").focus();
  try {
    const signed = await get(`/v1/deliveries/${id}/body`);
    body.replaceChildren(h("p", { id: "signed-at" }, signedAt(signed.signed_at)),
      h("h4", {}, "headers"), json(signed.headers), h("h4", {}, "body"), json(signed.body));
  } catch (error) {
    body.replaceChildren(failure(error, `GET /v1/deliveries/${id}/body`));
  }
}

/** A batch of batched delivery: its attempts and, once delivered, the lines its file held
 * (credit codes masked). It has no signed body of its own: its announcement is made afresh at
 * each attempt. */
function batchDetail(detail, id, delivery) {
  detail.replaceChildren(
    h("h2", { tabindex: "-1" }, `批 ${id}`),
    kv([["状态 state", stateBadge(delivery.state)], ["订阅 subscription", delivery.subscription_id],
      ["行数 lines", String(delivery.batch.count)], ["更新 updated", beijing(delivery.updated_at)]]),
    attemptsTable(delivery.attempts),
    pagedTable("行 lines", [
      { title: "投递 delivery", cell: (l) => l.delivery_id },
      { title: "名单 listing", cell: (l) => l.listing_id },
      { title: "主体 subject", cell: (l) => l.credit_code },
      { title: "序号 sequence", num: true, cell: (l) => String(l.sequence) },
      { title: "日志 log", num: true, cell: (l) => String(l.log_sequence) },
    ], delivery.batch.lines, "未送达：送达后列出各行；失败的批次其各行单独记录。 Not delivered: its "
      + "lines are listed once it is; a dead batch's lines are deliveries of their own."));
  detail.querySelector("h2").focus();
}

function attemptsTable(attempts) {
  return pagedTable("尝试 attempts", [
    { title: "时间 at", cell: (a) => beijing(a.at) },
    { title: "HTTP", num: true, cell: (a) => String(a.status) },
    { title: "耗时 latency (ms)", num: true, cell: (a) => String(a.latency_ms) },
    { title: "回应 response", cell: (a) => a.not_sent?.reason ?? a.response_excerpt },
  ], attempts, "还没有尝试：投递已排队。 Not tried yet: the delivery is queued.");
}

/** When the signature shown was made, and what it covers. */
function signedAt(at) {
  if (!at) {
    return "尚未尝试 not tried yet: 还没有签名，首次尝试时签名。 No signature yet: the first attempt "
      + "signs it. 正文中的身份证号已遮蔽 ID numbers in the body shown are masked.";
  }
  return `签名于 signed at ${beijing(at)}：这是最近一次尝试的签名，覆盖订阅方收到的未遮蔽正文；`
    + "此处显示的正文中身份证号已遮蔽，故签名不能在此复核。 The signature is the latest attempt's "
    + "and covers the unmasked body the subscriber received; the body shown has ID numbers "
    + "masked, so it will not verify against it.";
}
