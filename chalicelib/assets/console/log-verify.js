// The exchange log checked in the browser, as gateway_client.log_audit checks it, with WebCrypto:
// (1) every entry's RFC 6962 leaf hash recomputed from its fields (contract.log.entry_leaf);
// (2) the latest checkpoint's Ed25519 signature over its C2SP checkpoint text, with the gateway
// keys GET /v1/keys publishes; (3) each entry in the tree that checkpoint signs, by an inclusion
// proof (RFC 9162 §2.1.3.2, a port of tlog.proofs.verify_inclusion) fed the recomputed leaf hash,
// so an entry altered in its fields and its hash alike is still caught; (4) every listed
// checkpoint a prefix of the latest, by a consistency proof (§2.1.4.2, verify_consistency).
// The proofs come from the server; they prove nothing unless they end in the signed root, which
// is what is checked here. Each result says what it covers and what it could not.

import { get } from "./api.js";

/** Inclusion proofs fetched per run at most: one request each, so a long range is capped. */
export const MAX_PROOFS = 200;
const PARALLEL = 6;
const SKEW_MS = 5 * 60 * 1000; // publishers running at once sign a few seconds out of step
const encoder = new TextEncoder();

const hex = (raw) => [...raw].map((b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text) => Uint8Array.from(text.match(/../g) ?? [], (pair) => parseInt(pair, 16));
const bytes = (base64) => Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));
const base64 = (raw) => btoa(String.fromCharCode(...raw));
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const hash32 = (text) => typeof text === "string" && /^[0-9a-f]{64}$/.test(text);

async function sha256(...parts) {
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}

/** tlog.hashing: SHA-256(0x00 || leaf) and SHA-256(0x01 || left || right). */
const leafHash = (data) => sha256(Uint8Array.of(0), data);
const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);
const EMPTY_ROOT = sha256();

/** Python's datetime.isoformat() of a timestamp as the API serialises it (UTC as "Z"). */
export function isoformat(text) {
  return text.replace(/Z$/, "+00:00");
}

/** contract.log.entry_leaf: the published fields but the hash, as canonical JSON (keys sorted,
 *  no spaces; the fields are plain ASCII and digits, so JSON.stringify writes what Python does).
 *  `moved_from` only where the entry is the operator's move, as the leaf holds it. */
export function entryLeaf(e) {
  const moved = e.moved_from == null ? {} : { moved_from: e.moved_from };
  return JSON.stringify({
    at: isoformat(e.at),
    change_digest: e.change_digest,
    change_id: e.change_id,
    domain: e.domain,
    kind: e.kind,
    ...moved,
    origin_region: e.origin_region,
    sequence: e.sequence,
  });
}

/** contract.log.entry_hash: the entry's leaf hash (hex), recomputed from its fields. */
export async function entryHash(e) {
  return hex(await leafHash(encoder.encode(entryLeaf(e))));
}

/** Checkpoint.signed_bytes(): the C2SP checkpoint text `origin\nsize\nbase64(root)\n`, then
 *  its extension lines (the salting cut-over), each on its line. */
export function checkpointText(c) {
  const extensions = (c.extensions ?? []).map((line) => `${line}\n`).join("");
  return `${c.origin}\n${c.sequence}\n${base64(fromHex(c.root))}\n${extensions}`;
}

/** RFC 9162 §2.1.3.2: does `proof` put leaf hash `leaf` at `index` under `root` (all bytes)?
 *  BigInt: leaf indexes pass 2³¹, where JavaScript's bit operators stop. */
export async function verifyInclusion(leaf, index, size, proof, root) {
  if (!(index >= 0 && index < size) || ![leaf, root, ...proof].every((h) => h.length === 32)) {
    return false;
  }
  let [fn, sn, r] = [BigInt(index), BigInt(size) - 1n, leaf];
  for (const p of proof) {
    if (sn === 0n) return false;
    if (fn & 1n || fn === sn) {
      r = await nodeHash(p, r);
      while (!(fn & 1n) && fn) [fn, sn] = [fn >> 1n, sn >> 1n];
    } else {
      r = await nodeHash(r, p);
    }
    [fn, sn] = [fn >> 1n, sn >> 1n];
  }
  return sn === 0n && same(r, root);
}

/** RFC 9162 §2.1.4.2: is the tree of `newSize` leaves under `newRoot` an extension of the tree
 *  of `oldSize` under `oldRoot`? Equal sizes need equal roots and no proof. */
export async function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  if (!(oldSize >= 0 && oldSize <= newSize)) return false;
  if (oldSize === newSize) {
    return !proof.length && same(oldRoot, newRoot)
      && (oldSize > 0 || same(oldRoot, await EMPTY_ROOT));
  }
  if (oldSize === 0) return !proof.length && same(oldRoot, await EMPTY_ROOT);
  if (!proof.length || ![oldRoot, newRoot, ...proof].every((h) => h.length === 32)) return false;
  let [fn, sn] = [BigInt(oldSize) - 1n, BigInt(newSize) - 1n];
  const path = (fn & (fn + 1n)) === 0n ? [oldRoot, ...proof] : proof; // old size a power of two
  while (fn & 1n) [fn, sn] = [fn >> 1n, sn >> 1n];
  let [fr, sr] = [path[0], path[0]];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if (fn & 1n || fn === sn) {
      [fr, sr] = [await nodeHash(c, fr), await nodeHash(c, sr)];
      while (!(fn & 1n) && fn) [fn, sn] = [fn >> 1n, sn >> 1n];
    } else {
      sr = await nodeHash(sr, c);
    }
    [fn, sn] = [fn >> 1n, sn >> 1n];
  }
  return sn === 0n && same(fr, oldRoot) && same(sr, newRoot);
}

/** A published key may have made a signature at `at` only inside its validity (as
 *  contract.keys.usable_at judges): a retired key signs nothing after its `valid_until`. */
function validAt(key, at) {
  const moment = Date.parse(at);
  return !Number.isNaN(moment)
    && (!key.valid_from || Date.parse(key.valid_from) <= moment)
    && (!key.valid_until || moment <= Date.parse(key.valid_until));
}

/** An ISO time in microseconds (Date.parse keeps milliseconds only: two times a few
 *  microseconds apart must compare as checkpoint_trust compares them). */
function micros(at) {
  const fraction = (at.match(/\.(\d+)/)?.[1] ?? "").padEnd(6, "0").slice(0, 6);
  return BigInt(Date.parse(at.replace(/\.\d+/, ""))) * 1000n + BigInt(fraction);
}

/** Of the checkpoints signed by a published key (the others are judged apart), those dated
 *  more than SKEW_MS before a smaller one, or signed by a key retired before an entry they cover
 *  was logged (of `entries`, those whose leaf hash holds; an entry dated after the checkpoint
 *  and after the key's valid_until): a time is not signed, so a key retired since (its private
 *  half leaked) could sign a larger one and date it back into its validity. The gateway dates
 *  each as it signs it (as checkpoint_trust judges: _in_step, dated_after_entries; the
 *  latter from the largest checkpoint down to the first that passes). Its key:
 *  the one its signature verified under (`signers`), else the one `key_id` names. */
export function backdated(signed, entries = [], keys = [], signers = new Map()) {
  const skew = BigInt(SKEW_MS) * 1000n;
  const dated = entries.map((e) => [e.sequence, micros(e.at)]);
  const retired = (c) => (signers.get(c)
    ?? keys.find((k) => k.key_id === c.key_id && k.algorithm === "ed25519"))?.valid_until;
  const after = (c, until) => dated.some(([sequence, at]) => sequence <= c.sequence
    && at > micros(c.at) + skew && at > micros(until) + skew);
  const outOfStep = signed.filter((c) => signed.some((smaller) =>
    smaller.sequence < c.sequence && micros(c.at) < micros(smaller.at) - skew));
  // then, of the others, from the largest down to the first that passes (it vouches for the
  // smaller ones)
  const late = [];
  const inStep = signed.filter((c) => !outOfStep.includes(c));
  for (const c of inStep.sort((x, y) => y.sequence - x.sequence)) {
    if (retired(c) == null || !after(c, retired(c))) break;
    late.push(c);
  }
  return signed.filter((c) => outOfStep.includes(c) || late.includes(c));
}

/** As `gateway verify-log` judges it: the key `key_id` names must be listed, and the signature
 *  must verify under a listed Ed25519 key valid at the checkpoint's time, the named one tried
 *  first (a function started during a key switch signs with the new key under the old id). */
async function signatureVerifies(checkpoint, keys) {
  const ed25519 = keys.filter((k) => k.algorithm === "ed25519");
  const named = ed25519.find((k) => k.key_id === checkpoint.key_id);
  if (!named) return { ok: false, why: `密钥 ${checkpoint.key_id} 未公布 key not published` };
  const candidates = [named, ...ed25519.filter((k) => k !== named)]
    .filter((k) => validAt(k, checkpoint.at));
  if (!candidates.length) {
    return { ok: false, why: `密钥 ${named.key_id} 在 ${checkpoint.at} 不在有效期内 key not valid `
      + "when the checkpoint says it was signed" };
  }
  if (!hash32(checkpoint.root)) return { ok: false, why: "根不是 SHA-256 the root is no SHA-256" };
  try {
    for (const key of candidates) {
      const raw = bytes(key.public_key.replace(/^whpk_/, ""));
      const imported = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false,
        ["verify"]);
      if (await crypto.subtle.verify({ name: "Ed25519" }, imported,
        bytes(checkpoint.signature), encoder.encode(checkpointText(checkpoint)))) {
        return { ok: true, why: `Ed25519 ${key.key_id}`, key };
      }
    }
    return { ok: false, why: "签名不符 signature does not verify" };
  } catch (error) {
    return { ok: null, why: `浏览器无法验证 Ed25519 the browser cannot verify Ed25519: ${error.name}` };
  }
}

/** `work(item)` for every item, a few requests in flight at a time, results in order. */
async function inTurn(items, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, items.length) }, worker));
  return results;
}

async function fetchEntries(from, to) {
  const entries = [];
  for (let first = from; first <= to; first += 1000) {
    const page = await get(`/v1/log?from=${first}&limit=${Math.min(1000, to + 1 - first)}`);
    entries.push(...page.entries);
    if (page.entries.length === 0) break;
  }
  return entries;
}

/** (1) leaf hashes and numbering; the recomputed hash of each entry, by sequence. */
async function checkLeaves(entries, from, problems) {
  const leaves = new Map();
  let expected = entries[0] ? from : null; // the first served must be the one asked for
  for (const e of entries) {
    if (e.sequence !== expected) {
      problems.push(`序号不连续 out of sequence: ${expected} expected, ${e.sequence} served`);
    }
    const recomputed = await entryHash(e);
    if (recomputed !== e.hash) {
      problems.push(`第 ${e.sequence} 条叶哈希不符（被改动） entry ${e.sequence} was altered: `
        + "its leaf hash does not match its fields");
    }
    leaves.set(e.sequence, fromHex(recomputed));
    expected = e.sequence + 1;
  }
  return leaves;
}

/** (3) inclusion of the first MAX_PROOFS entries the checkpoint covers; how many proved. */
async function checkInclusion(entries, leaves, latest, problems, notes) {
  const covered = entries.filter((e) => e.sequence <= latest.sequence);
  const proving = covered.slice(0, MAX_PROOFS);
  const root = fromHex(latest.root);
  const outcomes = await inTurn(proving, async (e) => {
    const p = await get(`/v1/log/proof?size=${latest.sequence}&index=${e.sequence - 1}`);
    const proof = p.proof.filter(hash32).map(fromHex);
    return proof.length === p.proof.length && p.size === latest.sequence
      && verifyInclusion(leaves.get(e.sequence), e.sequence - 1, latest.sequence, proof, root);
  });
  proving.filter((_, i) => !outcomes[i]).forEach((e) => problems.push(`第 ${e.sequence} 条不在`
    + `签名检查点 ${latest.sequence} 的树中 entry ${e.sequence} is not in the signed tree`));
  if (covered.length > proving.length) {
    const [a, b] = [proving.at(-1).sequence + 1, covered.at(-1).sequence];
    notes.push(`范围超过 ${MAX_PROOFS} 条：第 ${a}–${b} 条只核对了叶哈希，未取包含证明（缩小范围再验证）。 `
      + `At most ${MAX_PROOFS} inclusion proofs per run: entries ${a}–${b} had their leaf hash `
      + "checked but no inclusion proof; verify a narrower range for them.");
  }
  const after = entries.filter((e) => e.sequence > latest.sequence);
  if (after.length) {
    notes.push(`第 ${after[0].sequence}–${after.at(-1).sequence} 条在最新检查点 ${latest.sequence} `
      + `之后，尚无签名树头 entries ${after[0].sequence}–${after.at(-1).sequence} came after the `
      + "latest checkpoint: no signed tree covers them yet.");
  }
  return outcomes.filter(Boolean).length;
}

/** (4) each other listed checkpoint signed, and a prefix of the latest; how many were. */
async function checkConsistency(checkpoints, latest, keys, problems, notes) {
  const older = checkpoints.filter((c) => c !== latest);
  const outcomes = await inTurn(older, async (c) => {
    const signed = await signatureVerifies(c, keys);
    if (signed.ok === false) problems.push(`检查点 ${c.sequence}: ${signed.why}`);
    if (signed.ok === null) notes.push(`检查点 ${c.sequence}: ${signed.why}`);
    if (!hash32(c.root) || !(c.sequence <= latest.sequence)) {
      problems.push(`检查点 ${c.sequence} 的根或大小无效 checkpoint ${c.sequence}: no valid root `
        + `or a size past the latest (${latest.sequence})`);
      return false;
    }
    const p = c.sequence ? await get(`/v1/log/proof?size=${latest.sequence}&old=${c.sequence}`)
      : { proof: [] }; // the empty tree: nothing to ask, its root must be SHA-256("")
    const proof = p.proof.filter(hash32).map(fromHex);
    const ok = proof.length === p.proof.length && await verifyConsistency(c.sequence,
      latest.sequence, fromHex(c.root), fromHex(latest.root), proof);
    if (!ok) {
      problems.push(`检查点 ${c.sequence} 与最新检查点 ${latest.sequence} 不一致（历史被改写？） `
        + `checkpoint ${c.sequence} is not consistent with ${latest.sequence}: a rewritten history`);
    }
    return ok && signed.ok !== false;
  });
  return outcomes.filter(Boolean).length;
}

/** Fetch entries `from`..`to` (pages of 1000) and check them against the listed checkpoints
 *  (oldest first, the last the latest); returns {checked, latest, signed, proved, consistent,
 *  problems, notes}. */
export async function verifyRange(from, to, checkpoints) {
  const entries = await fetchEntries(from, to);
  const problems = [];
  const notes = [];
  const leaves = await checkLeaves(entries, from, problems);
  const last = entries.at(-1)?.sequence ?? from - 1;
  if (last < to) notes.push(`日志只到 ${last} the log served ends at ${last}`);
  const latest = checkpoints.at(-1);
  const result = { checked: entries.length, latest: latest?.sequence ?? null, signed: false,
    proved: 0, consistent: 0, problems, notes };
  if (!latest) {
    notes.push("还没有检查点：只核对了叶哈希，没有签名的树可证明其包含。 No checkpoint yet: the "
      + "leaf hashes were checked, no signed tree to prove them in.");
  } else {
    const keys = (await get("/v1/keys")).keys;
    const verdicts = await inTurn(checkpoints, (c) => signatureVerifies(c, keys));
    const genuine = entries.filter((e) => hex(leaves.get(e.sequence) ?? []) === e.hash);
    const signers = new Map(checkpoints.map((c, i) => [c, verdicts[i].key]));
    const early = backdated(checkpoints.filter((_, i) => verdicts[i].ok !== false), genuine, keys,
      signers);
    early.forEach((c) => problems.push(`检查点 ${c.sequence} 的时间 ${c.at} 早于更小的检查点，`
      + "或含其密钥停用后才记入的条目（可能被倒签） "
      + `checkpoint ${c.sequence} is dated ${c.at}, before a smaller checkpoint, or covers an entry `
      + "logged after its key retired: its time is not signed, so a key retired since may have "
      + "dated it back into its validity"));
    if (early.includes(latest)) return result; // proofs against a backdated root prove nothing
    const signed = verdicts.at(-1);
    if (signed.ok === false) problems.push(`最新检查点 ${latest.sequence}: ${signed.why}`);
    if (signed.ok === null) notes.push(`最新检查点 ${latest.sequence}: ${signed.why}`);
    if (signed.ok === false) return result; // proofs against an unsigned root prove nothing
    const owed = Math.min(to, latest.sequence); // what the signed tree says the log holds
    if (last < owed) { // withheld, not in flight: as log_audit judges it (review 151)
      problems.push(`日志只到 ${last}，而签名的检查点 ${latest.sequence} 含到 ${owed} the log served `
        + `ends at ${last}, before the signed checkpoint's ${owed}`);
    }
    if (!latest.note?.startsWith(checkpointText(latest))) {
      problems.push(`检查点 ${latest.sequence} 的签名笔记与其字段不符 its signed note does not `
        + "match its fields");
    }
    result.signed = signed.ok;
    result.proved = await checkInclusion(entries, leaves, latest, problems, notes);
    result.consistent = await checkConsistency(checkpoints, latest, keys, problems, notes);
  }
  notes.push("未验证：SM2 签名（WebCrypto 不支持 SM2，用 `gateway verify-log --algorithm sm2`）；"
    + "变更摘要 change_digest（日志不含名单内容，需用收到的投递核对）。 Not verified here: SM2 "
    + "signatures (no SM2 in WebCrypto), and the change digests (the log holds no listing "
    + "content; `gateway verify-log` checks them against stored deliveries).");
  return result;
}
