// 主体查询 subject lookup: the one-stop query (GET /v1/subjects/{code}?as=…) of a legal person
// as a chosen region sees it: recognition, measures, history. A natural person is looked up on
// a signed request with a purpose (the API refuses a console session one); the page shows only
// names and roles of responsible persons, never an ID number.

import { get, query } from "./api.js";
import {
  beijing, empty, failure, field, h, kv, label, list, notice, pageFrame, pagedTable, stateBadge, place, maskId,
} from "./ui.js";

export async function render(view, session) {
  pageFrame(view, "主体查询 subject lookup",
    "一处查询：某主体的名单，以所选地区的视角看是否互认、适用哪些措施。 The one-stop query: a "
    + "subject's listings as the chosen region sees them.");
  const code = h("input", { name: "credit_code", required: true, size: 22,
    pattern: "[0-9A-Za-z]{18}", autocomplete: "off" });
  const as = h("input", { name: "as", size: 8, pattern: "[1-9][0-9]{5}",
    value: session.region ?? "" });
  const out = h("div", { id: "subject-result", "aria-live": "polite" });
  const form = h("form", { class: "bar", novalidate: true },
    field("统一社会信用代码 credit code", code),
    field("以此地区视角 as region", as),
    h("button", { type: "submit", class: "primary" }, "查询 look up"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const wanted = code.value.trim();
    if (!wanted) {
      out.replaceChildren(notice("error", "请输入代码 enter a credit code"));
      return;
    }
    const region = as.value.trim();
    // the lookup answers a page of listings: "next page" asks for the one after
    const show = async (offset) => {
      out.replaceChildren(notice("", "查询中 looking up…"));
      try {
        const path = `/v1/subjects/${encodeURIComponent(wanted)}`
          + query({ as: region, offset: offset || undefined });
        out.replaceChildren(...subject(await get(path), show).filter((x) => x)); // no "null"
      } catch (error) {
        out.replaceChildren(error.status === 404
          ? empty("没有此主体的名单，或您无权查看。 No listing of this subject is shown to you; "
            + "check the code, or ask the listing region.")
          : failure(error, "GET /v1/subjects"));
      }
    };
    await show(0);
  });
  view.append(form, out);
  out.append(empty("输入一个统一社会信用代码并选择地区，然后查询。 Enter a credit code and a region, "
    + "then look up (e.g. 91420281MA49TU8W5L in the demo). 自然人（身份证号）须以签名请求并说明"
    + "目的查询：gateway query <身份证号> --purpose …  A natural person is looked up with a signed "
    + "request and a purpose: gateway query <ID number> --purpose …"));
}

function subject(found, show) {
  const b = found.benefits ?? {};
  return [
    h("h2", {}, `${found.subject_name} (${maskId(found.credit_code)})`),
    kv([
      ["主体类型 subject type", label(found.subject_type)],
      ["视角 as region", found.as_region ? place(found.as_region)
        : "—（不评估互认 recognition not evaluated）"],
      ["加大惩戒 intensified", found.intensified
        ? `是 yes: ${list(found.intensified_domains)}` : "否 no"],
      ["绿色通道 green channel", b.green_channel ? "是 yes"
        : `否 no (${(b.refused_because ?? []).join(", ") || "—"})`],
      ["信用承诺 commitments", `open ${found.commitments?.open ?? 0}, overdue `
        + `${found.commitments?.overdue ?? 0}, broken ${found.commitments?.broken ?? 0}`],
    ]),
    // a page of them (the lookup answers 100 at once): how many there are in all
    h("h2", {}, `名单 listings (${found.listings.length}${
      found.next_offset == null ? "" : ` / ${found.listings_total}`})`),
    ...found.listings.map(listing),
    found.next_offset == null ? null : h("button", {
      type: "button", onclick: () => show(found.next_offset),
    }, `下一页 next page (from ${found.next_offset + 1})`),
  ];
}

function listing(item) {
  const x = item.listing;
  const recognised = item.recognised === true ? "互认 recognised"
    : item.recognised === false ? "不互认 not recognised" : "—";
  const why = item.recognised ? (item.basis ?? []).join(", ") : (item.reasons ?? []).join(", ");
  const measures = [
    { title: "措施 measure", cell: (m) => m.text },
    { title: "部门 department", cell: (m) => m.department },
    { title: "强制 mandatory", cell: (m) => (m.mandatory ? "强制 mandatory" : "建议 recommended") },
    { title: "依据 basis", cell: (m) => m.legal_basis },
  ];
  const history = [
    { title: "时间 at", cell: (e) => beijing(e.at) },
    { title: "事件 event", cell: (e) => e.event },
    { title: "状态 status", cell: (e) => label(e.status) },
    { title: "由 by", cell: (e) => e.by },
    { title: "说明 reason", cell: (e) => e.reason },
    { title: "附言 note", cell: (e) => e.note ?? "" }, // a repair's or removal's words (shown in full only)
  ];
  return h("section", { class: "card" },
    h("h3", {}, `${label(x.kind)} · ${x.domain} · ${label(x.severity)} `, stateBadge(x.status)),
    kv([
      ["互认 recognition", `${recognised}${why ? ` (${why})` : ""}`],
      ["列入事由 reason", x.reason],
      ["决定 decision", `${x.deciding_authority} ${x.decision_number} (${x.decided_on})`],
      ["有效期 valid", `${x.valid_from} — ${x.valid_until ?? "长期 open"}`],
      ["来源地区 origin", `${place(x.origin_region)} (provenances ${list(x.provenances)})`],
      ["列入时间 listed", beijing(x.listed_at)],
      ["责任人 responsible", (x.responsible_persons ?? []).map((p) => `${p.name} (${p.role})`)
        .join("; ") || "—"],
      ["异议 objection", x.objection ? `${x.objection.objection_id}: ${x.objection.outcome
        ?? "处理中 open"}, ${x.objection.deadline ? `deadline ${x.objection.deadline}`
        : "待通知 awaiting notice (期限自通知起算 the deadline runs from the notice)"}` : "无 none"],
    ]),
    pagedTable("适用措施 measures", measures, item.measures ?? [],
      item.recognised === false ? "此地区不互认此名单，故无措施。 Not recognised here: no measures "
        + "apply; an agreement (互认协议) would make them apply."
        : "没有适用的措施。 No measure applies to this listing."),
    // 守信激励 yields to 失信惩戒: a red listing's incentives wait while a black listing is in force
    item.suspended_because ? h("p", { class: "held-back" },
      `激励暂缓 incentives held back: ${label(item.suspended_because)}`) : null,
    item.suspended_measures?.length
      ? pagedTable("暂缓的措施 measures held back", measures, item.suspended_measures, "") : null,
    pagedTable("历史 history", history, x.history ?? [],
      "此名单没有变更记录，或历史只对名单所有地区和运营方显示。 No changes recorded, or the "
      + "history is shown to the listing's owner and the operator only."),
  );
}
