// The exchange log checked in the browser, as gateway_client.log_audit checks it: every entry's
// hash recomputed with WebCrypto SHA-256 over the fields log.entry_hash joins, each entry chained
// to the one before, each checkpoint in the range matched to the entry it pins, and the
// checkpoint's Ed25519 signature verified against the gateway keys GET /v1/keys publishes.
// Each result says what it covers and what it could not.

import { get } from "./api.js";

const encoder = new TextEncoder();
const GENESIS = "0".repeat(64);

const hex = (buffer) => [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");

/** Python's datetime.isoformat() of a timestamp as the API serialises it (UTC as "Z"). */
export function isoformat(text) {
  return text.replace(/Z$/, "+00:00");
}

async function sha256(text) {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

/** gateway_client.contract.log.entry_hash */
export function entryHash(e) {
  return sha256([e.previous_hash, String(e.sequence), e.change_id, e.change_digest, e.kind,
    e.domain, e.origin_region, isoformat(e.at)].join("\n"));
}

/** Checkpoint.signed_bytes(): canonical JSON, keys sorted, no spaces. */
function signedBytes(c) {
  return encoder.encode(`{"at":${JSON.stringify(isoformat(c.at))},"head_hash":`
    + `${JSON.stringify(c.head_hash)},"sequence":${c.sequence}}`);
}

const bytes = (base64) => Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));

async function signatureVerifies(checkpoint, keys) {
  const key = keys.find((k) => k.key_id === checkpoint.key_id && k.algorithm === "ed25519");
  if (!key) return { ok: false, why: `密钥 ${checkpoint.key_id} 未公布 key not published` };
  try {
    const raw = bytes(key.public_key.replace(/^whpk_/, ""));
    const imported = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    const ok = await crypto.subtle.verify({ name: "Ed25519" }, imported,
      bytes(checkpoint.signature), signedBytes(checkpoint));
    return { ok, why: ok ? `Ed25519 ${key.key_id}` : "签名不符 signature does not verify" };
  } catch (error) {
    return { ok: null, why: `浏览器无法验证 Ed25519 the browser cannot verify Ed25519: ${error.name}` };
  }
}

/** Fetch entries `from`..`to` (pages of 1000) and check them; returns {checked, problems, notes}. */
export async function verifyRange(from, to, checkpoints) {
  const entries = [];
  for (let first = from; first <= to; first += 1000) {
    const page = await get(`/v1/log?from=${first}&limit=${Math.min(1000, to + 1 - first)}`);
    entries.push(...page.entries);
    if (page.entries.length === 0) break;
  }
  const problems = [];
  const notes = [];
  let previous = null;
  for (const e of entries) {
    if (e.sequence === 1 && e.previous_hash !== GENESIS) {
      problems.push("第 1 条不是从创世哈希开始 entry 1 does not start from the genesis hash");
    }
    if (previous && e.sequence !== previous.sequence + 1) {
      problems.push(`序号不连续 out of sequence: ${previous.sequence} → ${e.sequence}`);
    }
    if (previous && e.previous_hash !== previous.hash) {
      problems.push(`第 ${e.sequence} 条未链接到上一条 does not chain to ${previous.sequence}`);
    }
    if (await entryHash(e) !== e.hash) {
      problems.push(`第 ${e.sequence} 条哈希不符（被改动） entry ${e.sequence} was altered`);
    }
    previous = e;
  }
  const last = entries.at(-1)?.sequence ?? from - 1;
  if (last < to) notes.push(`日志只到 ${last} the log served ends at ${last}`);
  if (from > 1) {
    notes.push(`第 ${from} 条之前未检查：其 previous_hash 按原样采信 entries before ${from} were `
      + "not checked: its previous_hash is taken as given");
  }
  const keys = (await get("/v1/keys")).keys;
  const bySequence = new Map(entries.map((e) => [e.sequence, e]));
  const covered = checkpoints.filter((c) => bySequence.has(c.sequence));
  let pinned = 0;
  for (const c of covered) {
    const signed = await signatureVerifies(c, keys);
    if (signed.ok === false) problems.push(`检查点 ${c.sequence}: ${signed.why}`);
    if (signed.ok === null) notes.push(`检查点 ${c.sequence}: ${signed.why}`);
    if (bySequence.get(c.sequence).hash !== c.head_hash) {
      problems.push(`日志与签名检查点 ${c.sequence} 不符 the log does not match checkpoint ${c.sequence}`);
    } else if (signed.ok) {
      pinned = Math.max(pinned, c.sequence);
    }
  }
  if (!covered.length) {
    notes.push("范围内没有检查点：只验证了链本身，未与签名对照。 No checkpoint in the range: the "
      + "chain was checked, nothing pins it to a signature.");
  }
  notes.push("未验证：SM2 签名（WebCrypto 不支持 SM2，用 `gateway verify-log --algorithm sm2`）；"
    + "变更摘要 change_digest（日志不含名单内容，需用收到的投递核对）。 Not verified here: SM2 "
    + "signatures (no SM2 in WebCrypto), and the change digests (the log holds no listing "
    + "content; `gateway verify-log` checks them against stored deliveries).");
  return { checked: entries.length, covered: covered.length, pinned, problems, notes };
}
