// 互认协议与措施 agreements and measures: who recognises whose listings, for which kinds,
// domains and severities (GET /v1/agreements), and the catalogue of measures (GET /v1/measures).

import { get } from "./api.js";
import { failure, h, label, list, pageFrame, pagedTable, place } from "./ui.js";

const sources = (a) => a.sources.map((s) => `${place(s.region)}${s.subtree ? " 及下级 and below" : ""}`)
  .join(", ");

export async function render(view) {
  pageFrame(view, "互认协议与措施 agreements and measures", "订阅地区按协议互认来源地区的名单，"
    + "并对其执行协议中的措施。 A subscriber region recognises the source regions' listings under "
    + "an agreement, and carries out its measures.");
  try {
    const agreements = [];
    for (let path = "/v1/agreements"; path;) { // a page at a time: follow next to the end
      const page = await get(path);
      agreements.push(...page.agreements);
      path = page.next ? `/v1/agreements?after=${encodeURIComponent(page.next)}` : null;
    }
    view.append(h("h2", {}, "互认协议 agreements"), pagedTable("谁互认谁 who recognises whom", [
      { title: "协议 agreement", cell: (a) => [a.title, h("br"), h("small", {}, a.agreement_id)] },
      { title: "互认方 subscriber", cell: (a) => place(a.subscriber_region) },
      { title: "来源 sources", cell: sources },
      { title: "类别 kinds", cell: (a) => list(a.kinds) },
      { title: "领域 domains", cell: (a) => list(a.domains) },
      { title: "最低严重程度 min severity", cell: (a) => (a.min_severity ? label(a.min_severity)
        : "全部 any") },
      { title: "有效 effective", cell: (a) => `${a.effective_from} — ${a.effective_until ?? "长期 open"}` },
      { title: "措施 measures", num: true, cell: (a) => String(a.measures.length) },
    ], agreements, "还没有互认协议。 No agreement yet: the operator records one with POST "
      + "/v1/agreements (or `gateway agreement`); until then a region recognises only its own "
      + "subtree's listings."));
  } catch (error) {
    view.append(failure(error, "GET /v1/agreements"));
  }
  try {
    const measures = (await get("/v1/measures")).measures;
    view.append(h("h2", {}, "措施 measures"), pagedTable("联合奖惩措施 measures", [
      { title: "措施 measure", cell: (m) => [m.text, h("br"), h("small", {}, m.measure_id)] },
      { title: "部门 department", cell: (m) => m.department },
      { title: "强制 mandatory", cell: (m) => (m.mandatory ? "强制 mandatory" : "建议 recommended") },
      { title: "类别 kinds", cell: (m) => list(m.kinds) },
      { title: "领域 domains", cell: (m) => list(m.domains) },
      { title: "最低严重程度 min severity", cell: (m) => (m.min_severity ? label(m.min_severity)
        : "全部 any") },
      { title: "对象 targets", cell: (m) => list(m.targets) },
    ], measures, "没有措施目录。 No measures are listed: they come with the gateway's catalogue."));
  } catch (error) {
    view.append(failure(error, "GET /v1/measures"));
  }
}
