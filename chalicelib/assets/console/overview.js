// 概览 overview: the last 24 hours of pushes, deliveries and fan-out lag (GET /v1/activity), as
// charts, and each region's totals.

import { get } from "./api.js";
import { lines, stackedBars } from "./charts.js";
import { beijing, empty, failure, h, kv, pageFrame, pagedTable, place } from "./ui.js";

const hourLabel = (iso) => beijing(iso, false).slice(11, 13) + "时";

export async function render(view, session) {
  pageFrame(view, "概览 overview",
    "最近 24 小时的推送、投递与分发延迟（北京时间 UTC+8）。 The last 24 hours of pushes, "
    + "deliveries and fan-out lag, in Beijing time (UTC+8).");
  let activity;
  try {
    activity = await get("/v1/activity?hours=24");
  } catch (error) {
    view.append(failure(error, "GET /v1/activity"));
    return;
  }
  const hours = activity.hours ?? [];
  if (hours.length) {
    view.append(h("p", {}, `时段 window: ${beijing(hours[0].hour, false)} — `
      + `${beijing(hours.at(-1).hour)}, 每小时一栏 one bar per hour`));
  }
  const total = (key, part) => hours.reduce((sum, x) => sum + (x[key]?.[part] ?? 0), 0);
  const sums = [["pushes", ["accepted", "duplicate", "removed", "rejected"]],
    ["deliveries", ["delivered", "retrying", "dead"]]];
  view.append(h("div", { class: "cards" },
    sums.flatMap(([key, parts]) => parts.map((part) => h("div", { class: "card" },
      h("div", {}, `${key === "pushes" ? "推送" : "投递"} ${part}`),
      h("div", { class: "big" }, String(total(key, part))))))));
  if (!hours.some((x) => Object.values(x.pushes ?? {}).some(Boolean)
      || Object.values(x.deliveries ?? {}).some(Boolean))) {
    view.append(empty("最近 24 小时没有推送或投递。 Nothing was pushed or delivered in the last "
      + "24 hours: a platform pushes with `gateway push`, a province subscribes on the 订阅 "
      + "subscriptions page's API (POST /v1/subscriptions)."));
  }
  const labels = hours.map((x) => hourLabel(x.hour));
  const series = (key, parts, names) => parts.map((part, i) =>
    ({ name: names[i], values: hours.map((x) => x[key]?.[part] ?? 0) }));
  view.append(
    h("h2", {}, "推送 pushes"),
    stackedBars("每小时推送条目 entries pushed per hour", labels,
      series("pushes", ["accepted", "duplicate", "removed", "rejected"],
        ["接收 accepted", "重复 duplicate", "移出 removed", "拒绝 rejected"])),
    h("h2", {}, "投递 deliveries"),
    stackedBars("每小时投递 deliveries per hour", labels,
      series("deliveries", ["delivered", "retrying", "dead"],
        ["已送达 delivered", "重试中 retrying", "失败 dead"])),
    h("h2", {}, "分发延迟 fan-out lag"),
    lines("每小时分发延迟（秒） fan-out lag per hour (seconds)", labels, [
      { name: "最大 max", values: hours.map((x) => x.fan_out_lag_seconds?.max ?? null) },
      { name: "平均 mean", values: hours.map((x) => x.fan_out_lag_seconds?.mean ?? null),
        dashed: true },
    ], "s"));
  const backlog = activity.backlog;
  view.append(h("h2", {}, "积压 backlog"), backlog
    ? kv([["排队 queued", String(backlog.queued)], ["处理中 in flight", String(backlog.in_flight)],
      ["延迟 delayed", String(backlog.delayed)]])
    : empty(session.role === "operator"
      ? "队列积压不可读 the queue's backlog could not be read."
      : "队列积压只对运营方显示 the queue's backlog is shown to the operator only."));
  const count = (key, part, title) => ({ title, num: true, cell: (r) => String(r[key]?.[part] ?? 0) });
  const columns = [
    { title: "地区 region", cell: (r) => place(r.region) },
    count("pushes", "accepted", "接收 accepted"), count("pushes", "duplicate", "重复 duplicate"),
    count("pushes", "rejected", "拒绝 rejected"), count("deliveries", "delivered", "已送达 delivered"),
    count("deliveries", "retrying", "重试中 retrying"), count("deliveries", "dead", "失败 dead"),
  ];
  view.append(h("h2", {}, "按地区 by region"),
    pagedTable("各地区 24 小时合计 per region, 24 hours", columns, activity.by_region ?? [],
      "没有地区在这 24 小时内推送或收到投递。 No region pushed or received anything in these 24 "
      + "hours; a region appears here after its first push or delivery."));
}
