// 交换日志 exchange log: an RFC 6962 Merkle tree of every accepted change; its signed checkpoints
// (tree size and root, with witness cosignatures where a checkpoint carries them), the entries
// page by page, and a range verified in the browser against them (log-verify.js).

import { get } from "./api.js";
import { MAX_PROOFS, verifyRange } from "./log-verify.js";
import {
  beijing, empty, failure, field, h, kv, latest, notice, pageFrame, pagedTable, place, turnPage,
} from "./ui.js";

const PAGE = 20;
const short = (hash) => h("span", { class: "hash", title: hash }, `${hash.slice(0, 12)}…`);

// A checkpoint's cosignatures are signed-note lines, "— <witness name> <signature>": each
// witness named once, however many of its lines (the first and the latest) it carries.
function witnesses(c) {
  const names = new Set((c.cosignatures ?? []).map((line) => line.split(" ")[1]).filter(Boolean));
  return names.size ? [...names].join(", ") : "无 none";
}

export async function render(view) {
  pageFrame(view, "交换日志 exchange log", "每条被接收的变更按序号成为 Merkle 树（RFC 6962）的一片叶子；"
    + "网关签名的检查点固定树的大小与根。 Every accepted change, numbered, is a leaf of a Merkle tree "
    + "(RFC 6962); signed checkpoints pin the tree's size and root.");
  let checkpoints;
  let head;
  try {
    checkpoints = (await get("/v1/log/checkpoints")).checkpoints;
    head = (await get("/v1/log?from=1&limit=1")).head;
  } catch (error) {
    view.append(failure(error, "GET /v1/log"));
    return;
  }
  view.append(kv([["日志长度 head", String(head)], ["检查点 checkpoints", String(checkpoints.length)],
    ["见证 witnesses", checkpoints.some((c) => (c.cosignatures ?? []).length)
      ? "有 present" : "检查点不含见证联署 the checkpoints carry no witness cosignatures"]]));
  view.append(h("h2", {}, "检查点 checkpoints"), pagedTable("签名检查点 signed checkpoints", [
    { title: "树大小 tree size", num: true, cell: (c) => String(c.sequence) },
    { title: "时间 at", cell: (c) => beijing(c.at) },
    { title: "根 root", cell: (c) => short(c.root) },
    { title: "密钥 key", cell: (c) => [c.key_id, c.sm2_key_id ? ` + SM2 ${c.sm2_key_id}` : ""] },
    // named from the lines as served: the page checks no witness's signature (review 215)
    { title: "见证联署（此处未验证） witness cosignatures (as claimed; verify-log --witness "
      + "checks them)", cell: witnesses },
  ], [...checkpoints].reverse(), "还没有检查点。 No checkpoint yet: fan-out signs one for each batch it "
    + "logs, the scheduled tick too, and the operator with POST /v1/log/checkpoints."));
  view.append(verifier(head, checkpoints), await entries(head));
}

function verifier(head, checkpoints) {
  if (head < 1) {
    return h("section", {}, h("h2", {}, "验证一段日志 verify a range"),
      h("p", {}, "日志为空，没有可验证的条目。 The log is empty: there is nothing to verify yet."),
      h("button", { type: "button", class: "primary", disabled: true },
        "在浏览器中验证 verify in the browser"));
  }
  const signed = checkpoints.at(-1)?.sequence || head; // by default, the newest entries it signs
  const from = h("input", { type: "number", name: "from", min: 1,
    value: Math.max(1, signed - MAX_PROOFS + 1) });
  const to = h("input", { type: "number", name: "to", min: 1, value: signed });
  const out = h("div", { id: "verify-result", "aria-live": "polite" });
  const form = h("form", { class: "bar", novalidate: true }, field("从 from", from), field("到 to", to),
    h("button", { type: "submit", class: "primary" }, "在浏览器中验证 verify in the browser"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const a = Number(from.value);
    const b = Number(to.value);
    if (!(a >= 1 && b >= a && b - a < 10000)) {
      out.replaceChildren(notice("error", "范围：1 ≤ 从 ≤ 到，最多 10000 条 range: 1 ≤ from ≤ to, "
        + "at most 10,000 entries"));
      return;
    }
    out.replaceChildren(notice("", "验证中 verifying…"));
    try {
      const r = await verifyRange(a, b, checkpoints);
      out.replaceChildren(verdict(r),
        r.problems.length ? h("ul", {}, r.problems.map((p) => h("li", {}, p))) : "",
        h("ul", {}, r.notes.map((n) => h("li", {}, n))));
    } catch (error) {
      out.replaceChildren(failure(error, "verify"));
    }
  });
  return h("section", {}, h("h2", {}, "验证一段日志 verify a range"),
    h("p", {}, "在本浏览器中用 WebCrypto 重算每条的叶哈希，用公布的网关公钥验证检查点签名，"
      + `并核对包含证明（每次最多 ${MAX_PROOFS} 条）与各检查点之间的一致性证明。 `
      + "Recomputes every entry's leaf hash here with WebCrypto, verifies the checkpoints' "
      + "signatures with the published gateway key, and checks inclusion proofs (each entry is in "
      + `the signed tree; at most ${MAX_PROOFS} per run) and consistency proofs (every listed `
      + "checkpoint is a prefix of the latest)."), form, out);
}

/** What a run verified, in one line: the leaf hashes, the proofs, and against which signature. */
function verdict(r) {
  const n = r.problems.length;
  if (n) return notice("error", `发现 ${n} 个问题 ${n} problem(s) found`);
  if (r.latest === null) {
    return notice("ok", `已核对 ${r.checked} 条的叶哈希（尚无检查点） verified: ${r.checked} leaf `
      + "hashes (no checkpoint yet)");
  }
  const signed = r.signed ? "签名" : "签名未能验证的";
  return notice(r.signed ? "ok" : "warn", `已核对 ${r.checked} 条的叶哈希；${r.proved} 条在${signed}`
    + `检查点 ${r.latest} 的树中；${r.consistent} 个较早的检查点与之一致。 Verified: ${r.checked} leaf hashes; `
    + `${r.proved} entries proved in the tree of the ${r.signed ? "signed" : "UNVERIFIED"} `
    + `checkpoint ${r.latest}; ${r.consistent} earlier checkpoint(s) consistent with it.`);
}

/** The entries, a page at a time: one pager, kept across pages (its buttons updated, never
 *  rebuilt, so the keyboard stays on them). */
async function entries(head) {
  const box = h("div", { id: "log-entries" });
  const section = h("section", {}, h("h2", { tabindex: "-1" }, "条目 entries"), box);
  if (head < 1) {
    box.append(empty("日志还是空的：第一次被接收的推送会写入第 1 条。 The log is empty: the first "
      + "accepted push writes entry 1."));
    return section;
  }
  let first = Math.max(1, head - PAGE + 1);
  const table = h("div");
  const turn = (to) => turnPage(prev, next, section.querySelector("h2"), () => show(to));
  const prev = h("button", { type: "button", onclick: () => turn(Math.max(1, first - PAGE)) },
    "上一页 previous");
  const next = h("button", { type: "button", onclick: () => turn(first + PAGE) }, "下一页 next");
  const show = async (from) => {
    const current = latest(table); // an answer landing after a newer press draws nothing
    try {
      const page = await get(`/v1/log?from=${from}&limit=${PAGE}`);
      if (!current()) return;
      first = from;
      const erased = new Set(page.erased);
      table.replaceChildren(pagedTable(`条目 entries ${first}–${Math.min(head, first + PAGE - 1)}`, [
        { title: "序号 sequence", num: true, cell: (e) => String(e.sequence) },
        { title: "时间 at", cell: (e) => beijing(e.at) },
        { title: "类别 kind", cell: (e) => e.kind },
        { title: "领域 domain", cell: (e) => e.domain },
        { title: "来源 origin", cell: (e) => e.moved_from == null ? place(e.origin_region) : `${place(e.origin_region)} (改归属自 moved from ${place(e.moved_from)})` },
        { title: "叶哈希 leaf hash", cell: (e) => [short(e.hash), erased.has(e.sequence) ? " (已清除 erased)" : ""] },
      ], page.entries, "此页没有条目。 No entry on this page.", PAGE));
    } catch (error) {
      if (!current()) return;
      table.replaceChildren(failure(error, "GET /v1/log"));
    }
    prev.disabled = first <= 1;
    next.disabled = first + PAGE > head;
  };
  box.append(table, h("div", { class: "pager" }, prev, next));
  await show(first);
  return section;
}
