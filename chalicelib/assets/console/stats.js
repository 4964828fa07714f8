// 月度统计 monthly statistics (GET /v1/stats?region=&month=): publication timeliness, objections
// open and overdue, repairs, expiries, and cases against the pilot targets, as charts and numbers.

import { get, query } from "./api.js";
import { barsWithTargets } from "./charts.js";
import { beijingMonth, empty, failure, field, h, kv, notice, pageFrame, pagedTable, place } from "./ui.js";

const pct = (share) => (share == null ? "—" : `${Math.round(share * 1000) / 10}%`);

export async function render(view, session) {
  pageFrame(view, "月度统计 monthly statistics", "一个地区及其下级的月度统计（北京时间的自然月）。 A "
    + "region's subtree, for a calendar month in Beijing time.");
  const region = h("input", { name: "region", size: 8, pattern: "[1-9][0-9]{5}",
    value: session.region ?? "" });
  const month = h("input", { type: "month", name: "month", value: beijingMonth() });
  const out = h("div", { id: "stats-result", "aria-live": "polite" });
  const load = async () => {
    if (!/^[1-9][0-9]{5}$/.test(region.value.trim())) {
      out.replaceChildren(empty("输入一个六位地区代码和月份，然后查看。 Enter a six-digit region code "
        + "(e.g. 420000 湖北省 in the demo) and a month, then show."));
      return;
    }
    out.replaceChildren(notice("", "加载中 loading…"));
    try {
      const stats = await get("/v1/stats" + query({ region: region.value.trim(), month: month.value }));
      out.replaceChildren(...draw(stats));
    } catch (error) {
      out.replaceChildren(failure(error, "GET /v1/stats"));
    }
  };
  const form = h("form", { class: "bar", novalidate: true }, field("地区代码 region", region),
    field("月份 month", month), h("button", { type: "submit", class: "primary" }, "查看 show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  view.append(form, out);
  await load();
}

function draw(s) {
  const p = s.publication ?? {};
  const o = s.objections ?? {};
  const removals = s.performed_removals ?? {};
  const pilots = s.cases?.pilots ?? [];
  return [
    h("h2", {}, `${place(s.region)} · ${s.month}`),
    kv([["推送批次 batches", String(s.pushes?.batches ?? 0)],
      ["接收 / 重复 / 拒绝 accepted / duplicate / rejected",
        `${s.pushes?.accepted ?? 0} / ${s.pushes?.duplicate ?? 0} / ${s.pushes?.rejected ?? 0}`]]),
    h("h2", {}, "公示时效 publication timeliness"),
    h("p", {}, p.definition ?? ""),
    kv([["名单数 listings", String(p.listings ?? 0)],
      ["工作日中位数 median working days", String(p.median_working_days ?? "—")],
      ["7 个工作日内占比 within 7 working days", pct(p.within_7_working_days_share)]]),
    barsWithTargets("7 个工作日内公示的占比（%） share published within 7 working days (%)", [
      { name: "7 日内 within 7", value: Math.round((p.within_7_working_days_share ?? 0) * 100),
        target: 100, met: (p.within_7_working_days_share ?? 0) >= 1 },
    ], "%"),
    h("h2", {}, "异议、修复、到期 objections, repairs, expiries"),
    barsWithTargets("本月计数 this month's counts", [
      { name: "异议提出 opened", value: o.opened ?? 0 },
      { name: "异议办结 decided", value: o.decided ?? 0 },
      { name: "异议逾期 overdue", value: o.overdue ?? 0, met: !(o.overdue > 0) },
      { name: "信用修复 repairs", value: s.repairs ?? 0 },
      { name: "到期 expiries", value: s.expiries ?? 0 },
      { name: "履行移出 removed", value: removals.removed ?? 0 },
      { name: "移出迟延 late", value: removals.late ?? 0, met: !(removals.late > 0) },
    ]),
    h("h2", {}, "案例与试点目标 cases against pilot targets"),
    h("p", {}, s.cases?.definition ?? ""),
    kv([["案例 cases", String(s.cases?.total ?? 0)], ["惩戒 punishments", String(s.cases?.punishments ?? 0)],
      ["激励 incentives", String(s.cases?.incentives ?? 0)]]),
    pilots.length ? barsWithTargets("各试点的案例数与目标下限 cases per pilot, the line is the minimum",
      pilots.map((x) => ({ name: x.pilot.name, value: x.cases, target: x.pilot.min_cases,
        met: x.meets_target }))) : "",
    pagedTable("试点 pilots", [
      { title: "试点 pilot", cell: (x) => `${x.pilot.name} (${x.pilot.kind})` },
      { title: "地区 region", cell: (x) => place(x.pilot.region) },
      { title: "案例 cases", num: true, cell: (x) => String(x.cases) },
      { title: "目标 target", cell: (x) => `${x.pilot.min_cases}–${x.pilot.max_cases ?? "∞"}` },
      { title: "达标 met", cell: (x) => (x.meets_target ? "是 yes" : "否 no") },
      { title: "依据 source", cell: (x) => x.pilot.source },
    ], pilots, "此地区没有试点目标。 No pilot target applies to this region."),
    h("h2", {}, "向上报送 upward reporting"),
    pagedTable("向上报送 upward reporting", [
      { title: "规则 rule", cell: (u) => `${u.rule} → ${u.target}` },
      { title: "应报 due", num: true, cell: (u) => String(u.due) },
      { title: "按时 on time", num: true, cell: (u) => String(u.reported_on_time) },
      { title: "迟报 late", num: true, cell: (u) => String(u.late) },
      { title: "缺失 missing", num: true, cell: (u) => String(u.missing) },
      { title: "待定 pending", num: true, cell: (u) => String(u.pending) },
      { title: "按时率 share", num: true, cell: (u) => pct(u.share) },
    ], s.upward ?? [], "没有适用于此地区的向上报送规则。 No upward-reporting rule applies here."),
  ];
}
