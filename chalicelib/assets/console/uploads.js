// 批量上传 uploads: a region's bulk uploads and resyncs (GET /v1/regions/{code}/uploads), and
// one opened (GET …/uploads/{id}): progress, counts, line errors.

import { get } from "./api.js";
import {
  beijing, capped, empty, failure, field, h, kv, label, latest, LIMIT, notice, pageFrame, pagedTable,
  stateBadge,
} from "./ui.js";

const upload = (item) => item.upload ?? item;

export async function render(view, session) {
  pageFrame(view, "批量上传 uploads", "一个地区的批量上传与全量同步：进度、计数和行错误。 A region's "
    + "bulk uploads and resyncs: progress, counts, line errors.");
  const code = h("input", { name: "region", size: 8, pattern: "[1-9][0-9]{5}",
    value: session.region ?? "", readonly: session.region ? true : null });
  const results = h("div", { id: "upload-list", "aria-live": "polite" });
  const detail = h("section", { id: "upload-detail" });
  const load = async () => {
    const current = latest(results);
    const region = code.value.trim();
    if (!/^[1-9][0-9]{5}$/.test(region)) {
      results.replaceChildren(empty("输入一个六位地区代码，然后查看。 Enter a six-digit region code "
        + "(e.g. 230900 七台河市 in the demo), then show its uploads."));
      return;
    }
    results.replaceChildren(notice("", "加载中 loading…"));
    try {
      const found = await get(`/v1/regions/${region}/uploads?limit=${LIMIT}`);
      if (!current()) return;
      const listed = (found.uploads ?? []).map((item) => ({ ...upload(item), error_count: item.error_count }));
      results.replaceChildren(capped(listed.length), table(region, listed, detail));
    } catch (error) {
      if (current()) results.replaceChildren(failure(error, `GET /v1/regions/${region}/uploads`));
    }
  };
  const form = h("form", { class: "bar", novalidate: true },
    field("地区代码 region code", code), h("button", { type: "submit", class: "primary" }, "查看 show"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  view.append(form, results, detail);
  await load();
}

function table(region, uploads, detail) {
  return pagedTable(`${region} 的上传 uploads`, [
    { title: "上传 upload", cell: (u) => h("button", { type: "button",
      "data-upload": u.manifest.upload_id, onclick: () => open(detail, region, u.manifest.upload_id) },
    u.manifest.upload_id) },
    { title: "方式 mode", cell: (u) => label(u.manifest.mode) },
    { title: "状态 state", cell: (u) => stateBadge(u.status) },
    { title: "进度 progress", cell: (u) => progress(u) },
    { title: "行错误 line errors", num: true, cell: (u) => String(u.error_count ?? u.errors?.length ?? 0) },
    { title: "更新 updated", cell: (u) => beijing(u.updated_at) },
  ], uploads, "此地区还没有批量上传。 This region has no bulk upload yet: a platform uploads a "
    + "file with `gateway upload` (POST /v1/uploads), and it is listed here.");
}

const progress = (u) => `${u.line ?? 0} / ${u.manifest.count} 行 lines`;

async function open(detail, region, id) {
  const current = latest(detail);
  detail.replaceChildren(notice("", "加载中 loading…"));
  let u;
  try {
    u = upload(await get(`/v1/regions/${region}/uploads/${id}`));
  } catch (error) {
    if (current()) detail.replaceChildren(failure(error, `GET /v1/regions/${region}/uploads/${id}`));
    return;
  }
  if (!current()) return; // another upload was opened meanwhile
  detail.replaceChildren(
    h("h2", { tabindex: "-1" }, `上传 ${id}`),
    kv([
      ["状态 state", stateBadge(u.status)], ["方式 mode", label(u.manifest.mode)],
      ["领域 domains", (u.manifest.domains ?? []).join(", ") || "—"],
      ["进度 progress", progress(u)],
      ["接收 accepted", String(u.accepted)], ["重复 duplicate", String(u.duplicate)],
      ["拒绝 rejected", String(u.rejected)], ["移除 removed", String(u.removed)],
      ["移除状态 removal", `${u.removal}${u.removal_note ? ` — ${u.removal_note}` : ""}`],
      ["拒收原因 refusal", u.refusal ? `${u.refusal.code}: ${u.refusal.message}` : "—"],
      ["创建 created", beijing(u.created_at)], ["更新 updated", beijing(u.updated_at)],
    ]),
    pagedTable("行错误 line errors" + (u.errors_truncated ? "（已截断 truncated）" : ""), [
      { title: "行 line", num: true, cell: (e) => String(e.line) },
      { title: "字段 field", cell: (e) => e.field },
      { title: "代码 code", cell: (e) => e.code },
      { title: "说明 message", cell: (e) => e.message },
    ], u.errors ?? [], "没有行错误。 No line was refused."));
  detail.querySelector("h2").focus();
}
