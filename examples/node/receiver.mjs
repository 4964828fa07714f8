// A province's receiver for credit-gateway webhooks: a starting point, not a library.
//
// Every webhook is checked for three things before it is believed:
//   1. the signature: `v1` (HMAC-SHA256 with your whsec_ secret) through the `standardwebhooks`
//      package, `v1a` (Ed25519, a key from the gateway's GET /v1/keys) through node:crypto, or
//      `v1sm2` (SM2 with SM3, GM/T 0003, a listed "sm2" key) through `sm-crypto`, as the stock
//      Standard Webhooks libraries only do `v1`;
//   2. the timestamp: at most 5 minutes from this machine's clock, in either direction;
//   3. the audience: the gateway signs every region's deliveries with the same key, so the body's
//      `subscription_id` and `subscriber_region` (inside what is signed) must be yours.
//
// Run: GATEWAY_URL=https://…/api SUBSCRIPTION_ID=sub_… REGION=430000 [WEBHOOK_SECRET=whsec_…]
//      [SIGNATURE_SCHEME=v1sm2] [PORT=8080] [HOST=127.0.0.1] node receiver.mjs
// (WEBHOOK_SECRET only for a `v1` subscription: the secret from the creation reply;
// SIGNATURE_SCHEME=v1sm2 only for a `v1sm2` one. The receiver checks its subscription's scheme
// alone: sm-crypto hashes in JavaScript, about 1 s a MB, so SM2 work is done only where asked.)
//
// A subscription with `delivery_mode: "batched"` also gets `deliveries.batch` webhooks: each
// announces an NDJSON file of deliveries by a short-lived presigned link and the file's
// SHA-256, size, line count and first and last `sequence`. The webhook is checked as above;
// the file needs no signature of its own, as any change to it changes its digest. Its lines
// are then checked as the gateway promises them (each addressed to you, `sequence` strictly
// increasing from first to last) and handed on one by one, each exactly the body its single
// delivery would have had. A file that cannot be fetched is answered 503: the gateway sends
// the webhook again with a fresh link.

import { createHash, createPublicKey, verify } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import smCrypto from "sm-crypto"; // CommonJS: its `sm2` comes through the default export
import { Webhook, WebhookVerificationError } from "standardwebhooks";

const { sm2 } = smCrypto;

export const TOLERANCE_SECONDS = 5 * 60;
const KEYS_MAX_AGE_MS = 300_000; // GET /v1/keys says Cache-Control: max-age=300
const MAX_BODY_BYTES = 1 << 20;
const NOTICES = new Set(["subscription.failing", "subscription.disabled", "subscription.test"]);
const VERIFICATION = "subscription.verification";
const BATCH = "deliveries.batch";
const MAX_FILE_BYTES = 256 << 20; // a stream batch's file is well under a megabyte
const SM2_DEFAULT_USER_ID = "1234567812345678"; // GM/T 0009's, for a key listed without one
const FETCH_TIMEOUT_MS = 60_000; // a stalled link or key list must not hold a handler for good
const MAX_SIGNATURES = 4; // the gateway sends at most 3; more only costs verification time

/** Why a webhook is not believed: answer 401. */
export class Refused extends Error {}

/** The gateway's keys, as GET {gatewayUrl}/v1/keys lists them (refresh now and then). */
export async function fetchGatewayKeys(gatewayUrl) {
  const reply = await fetch(`${gatewayUrl.replace(/\/$/, "")}/v1/keys`, {
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (reply.status !== 200) throw new Error(`GET /v1/keys → ${reply.status}`);
  // a page that is no key list (a proxy's, a portal's) is the list out of reach (503), not a
  // reason to refuse deliveries as forged
  const listed = await reply.json().catch(() => null);
  if (!Array.isArray(listed?.keys) || !listed.keys.length)
    throw new Error("GET /v1/keys answered no key list");
  return listed.keys;
}

function lowercased(headers) {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

// A listed key counts only for signatures made while it is valid (valid_from / valid_until).
// Keys of an algorithm this receiver does not know are skipped: they verify nothing here.
function listedAt(keys, algorithm, seconds) {
  const at = seconds * 1000;
  return keys
    .filter((k) => (k.algorithm ?? "ed25519") === algorithm)
    .filter((k) => (!k.valid_from || Date.parse(k.valid_from) <= at) &&
                   (!k.valid_until || at <= Date.parse(k.valid_until)));
}

function ed25519At(keys, seconds) {
  return listedAt(keys, "ed25519", seconds).map((k) => {
    if (!k.public_key.startsWith("whpk_")) throw new Refused(`${k.key_id}: not a whpk_ key`);
    const raw = Buffer.from(k.public_key.slice(5), "base64");
    if (raw.length !== 32) throw new Refused(`${k.key_id}: not a 32-byte Ed25519 key`);
    const x = raw.toString("base64url");
    return createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x }, format: "jwk" });
  });
}

// An "sm2" key is the point 04‖X‖Y in hex; its user_id is hashed in with it (Z_A), so a
// signature verifies only under the ID the gateway signed with.
function sm2At(keys, seconds) {
  return listedAt(keys, "sm2", seconds).map((k) => {
    if (!/^04[0-9a-fA-F]{128}$/.test(k.public_key) || !sm2.verifyPublicKey(k.public_key))
      throw new Refused(`${k.key_id}: not an SM2 point 04‖X‖Y on the curve`);
    return { keyId: k.key_id, publicKey: k.public_key, userId: k.user_id ?? SM2_DEFAULT_USER_ID };
  });
}

function verifiesEd25519(content, signature, key) {
  try {
    return verify(null, content, key, signature);
  } catch {
    return false; // a signature of the wrong length
  }
}

// hash: true makes sm-crypto hash e = SM3(Z_A ‖ M) itself; der: false reads the raw r ‖ s the
// gateway sends (as 128 hex digits). The content goes in as a Buffer, hashed byte for byte: a
// string would be re-encoded as UTF-8 first.
function verifiesSm2(content, signature, key) {
  if (signature.length !== 64) return false;
  const options = { hash: true, der: false, userId: key.userId };
  return sm2.doVerifySignature(content, signature.toString("hex"), key.publicKey, options);
}

// The keys to try, the one `x-credit-key-id` names first: during a key rotation a new key may
// sign under the old id (README, "Rotating the gateway key"), so the others follow.
function named(candidates, keyId) {
  const hinted = candidates.filter((k) => k.keyId === keyId);
  return [...hinted, ...candidates.filter((k) => k.keyId !== keyId)];
}

/** The webhook-* headers, present and in the time window (throws Refused otherwise): what
 * is judged before anything is fetched for a request anyone may send. */
function framed(headers, now = Date.now() / 1000) {
  const h = lowercased(headers);
  const id = h["webhook-id"], stamp = h["webhook-timestamp"], signatures = h["webhook-signature"];
  if (!id || !stamp || !signatures) throw new Refused("missing webhook-* header(s)");
  if (!/^[0-9]{1,12}$/.test(stamp)) throw new Refused("webhook-timestamp is not whole seconds");
  const timestamp = Number(stamp);
  if (Math.abs(now - timestamp) > TOLERANCE_SECONDS) throw new Refused("timestamp out of window");
  if (signatures.split(" ").length > MAX_SIGNATURES) throw new Refused("too many signatures");
  return { h, id, timestamp, signatures };
}

/** The signed headers once signature and timestamp check out (throws Refused otherwise).
 * Without a secret, a signature of `scheme` (`v1a`, or `v1sm2` for a v1sm2 subscription)
 * must verify under a listed key of its algorithm valid at the timestamp. */
function checkSigned(headers, body, { secret, keys = [], scheme = "v1a" }, now) {
  const { h, id, timestamp, signatures } = framed(headers, now);
  if (secret) {
    try {
      new Webhook(secret).verify(body, h); // any of the v1 signatures (two during a rotation)
    } catch (error) {
      if (error instanceof WebhookVerificationError) throw new Refused(`v1: ${error.message}`);
      throw error;
    }
  } else {
    const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), body]);
    const verifies = scheme === "v1sm2"
      ? ((keys) => (signature) => keys.some((key) => verifiesSm2(content, signature, key)))(
          named(sm2At(keys, timestamp), h["x-credit-key-id"]))
      : ((keys) => (signature) => keys.some((key) => verifiesEd25519(content, signature, key)))(
          ed25519At(keys, timestamp));
    const ours = signatures.split(" ").map((entry) => entry.split(",", 2))
      .filter(([version, value]) => version === scheme && Boolean(value));
    // The gateway sends one SM2 signature; each try hashes the whole body in JavaScript, so a
    // forged header's extra ones are not tried (Ed25519 runs in OpenSSL: all are).
    const tried = scheme === "v1sm2" ? ours.slice(0, 1) : ours;
    const good = tried.some(([, value]) => verifies(Buffer.from(value, "base64")));
    if (!good) throw new Refused(`no ${scheme} signature verifies under a listed key`);
  }
  return { id, body: JSON.parse(body.toString("utf8")) };
}

/** A delivery (or an endpoint notice) genuine *and addressed to you*: its parsed body.
 * `mine`: { subscriptionId, region, secret (v1) | keys (what GET /v1/keys lists) and scheme
 * ("v1a", the default, or "v1sm2") } */
export function verifyDelivery(headers, body, mine, now = Date.now() / 1000) {
  const { id, body: event } = checkSigned(headers, body, mine, now);
  const ownId = NOTICES.has(event.type) ? event.notice_id : event.delivery_id;
  if (ownId !== id) throw new Refused("the body's id differs from webhook-id");
  if (event.subscription_id !== mine.subscriptionId)
    throw new Refused(`addressed to subscription ${event.subscription_id}`);
  if (event.subscriber_region !== mine.region)
    throw new Refused(`addressed to region ${event.subscriber_region}`);
  return event;
}

/** The URL-verification challenge for a subscription of *your* region: the answer to send
 * with 200. Always checked with the gateway keys: a `v1` subscription's challenge carries a
 * `v1a` signature too, as its secret only arrives in the creation reply. */
export function verifyChallenge(headers, body, mine, now = Date.now() / 1000) {
  // v1: its challenge comes before the secret does, signed v1a
  const scheme = mine.scheme === "v1sm2" ? "v1sm2" : "v1a";
  const { id, body: event } = checkSigned(headers, body, { keys: mine.keys, scheme }, now);
  if (event.type !== VERIFICATION || event.verification_id !== id)
    throw new Refused("not a verification event");
  if (event.subscriber_region !== mine.region)
    throw new Refused(`a challenge for a subscription of ${event.subscriber_region}`);
  return { challenge: event.challenge };
}

/** A `deliveries.batch` announcement genuine and addressed to you: its parsed body (the file
 * itself is checked by `batchLines` once fetched). */
export function verifyBatch(headers, body, mine, now = Date.now() / 1000) {
  const { id, body: announced } = checkSigned(headers, body, mine, now);
  if (announced.type !== BATCH || announced.batch_id !== id)
    throw new Refused("not a batch announcement, or its batch_id differs from webhook-id");
  if (announced.subscription_id !== mine.subscriptionId)
    throw new Refused(`a batch for subscription ${announced.subscription_id}`);
  if (announced.subscriber_region !== mine.region)
    throw new Refused(`a batch for region ${announced.subscriber_region}`);
  for (const name of ["size", "count", "first_sequence", "last_sequence"])
    if (!Number.isSafeInteger(announced[name])) throw new Refused(`${name} is not an integer`);
  if (!/^[0-9a-f]{64}$/.test(announced.sha256 ?? "")) throw new Refused("sha256 is not hex");
  return announced;
}

/** The announced file's deliveries, in order, once the file is proven the one the gateway
 * signed for you: its SHA-256, size and line count as announced, each line a delivery
 * addressed to you, `sequence` strictly increasing from `first_sequence` to `last_sequence`. */
export function batchLines(announced, file, mine) {
  const digest = createHash("sha256").update(file).digest("hex");
  if (file.length !== announced.size || digest !== announced.sha256)
    throw new Refused(`the file's SHA-256 or size (${file.length} bytes) differs: altered or cut`);
  const raw = file.toString("utf8").split("\n").filter((line) => line.trim());
  if (raw.length !== announced.count)
    throw new Refused(`the file holds ${raw.length} lines, the announcement ${announced.count}`);
  if (!raw.length) throw new Refused("the file holds no lines");
  let previous = null;
  const events = raw.map((line, n) => {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      throw new Refused(`line ${n + 1} of the batch is not JSON`);
    }
    if (event?.subscription_id !== mine.subscriptionId || event.subscriber_region !== mine.region)
      throw new Refused(`line ${n + 1} of the batch is addressed to ${event?.subscription_id}`);
    if (!Number.isSafeInteger(event.sequence) || (previous !== null && event.sequence <= previous))
      throw new Refused(`line ${n + 1} of the batch is out of order (${event.sequence})`);
    previous = event.sequence;
    return event;
  });
  if (events[0].sequence !== announced.first_sequence || previous !== announced.last_sequence)
    throw new Refused("the lines' sequences do not run from the announced first to the last");
  return events;
}

/** GET the presigned link, reading at most one byte more than the announced size; null when
 * it cannot be fetched now (answer 503: the retry brings a fresh link). */
export async function fetchBatchFile(announced) {
  if (announced.size > MAX_FILE_BYTES) throw new Refused(`a file of ${announced.size} bytes`);
  if (!/^https?:\/\//.test(announced.url ?? "")) throw new Refused("the link is not http(s)");
  let reply;
  try {
    // The presigned link is the object itself: a redirect (to another host, an internal
    // address) is not followed but answered as the failure it is, as `gateway listen` does.
    reply = await fetch(announced.url, {
      redirect: "manual",
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch {
    return null;
  }
  if (reply.status !== 200) return null;
  const chunks = [];
  let size = 0;
  for await (const chunk of reply.body) {
    size += chunk.length;
    chunks.push(chunk);
    if (size > announced.size) break; // more than announced: batchLines refuses it
  }
  return Buffer.concat(chunks);
}

function claimedType(body) {
  try {
    return JSON.parse(body.toString("utf8")).type;
  } catch {
    return undefined;
  }
}

/** An HTTP server: 204 to a verified delivery, notice or batch, 200 {"challenge"} to your own
 * region's challenge, 401 to anything else, 503 to a batch whose file cannot be fetched now.
 * `onDelivery` must store the event (dedup by its id: a batch's line by its `delivery_id`)
 * before it returns: only a 2xx stops the gateway retrying. A batch's lines come in order.
 * Endpoint notices (`subscription.failing`, `.disabled`, `.test`) are no deliveries — nothing
 * a log proves, nothing for the store `gateway verify-log` reads — and go to `onNotice`. */
export function createReceiver({
  gatewayUrl, subscriptionId, region, secret, scheme, onDelivery,
  onNotice = (event, id) => console.log(`notice ${id}: ${event.type}`),
}) {
  let keys = [], fetchedAt = -Infinity, reading = null;
  const gatewayKeys = async () => {
    const age = Date.now() - fetchedAt; // outside [0, max): stale, or the clock stepped back
    if (age >= 0 && age < KEYS_MAX_AGE_MS) return keys;
    // one read at a time, whoever asks meanwhile waits for it (requests anyone may send must
    // not each start one)
    reading ??= fetchGatewayKeys(gatewayUrl)
      .then((listed) => { keys = listed; fetchedAt = Date.now(); return listed; })
      .finally(() => { reading = null; });
    return reading;
  };
  return createServer(async (request, response) => {
    const chunks = [];
    let size = 0;
    try {
      for await (const chunk of request) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) return response.writeHead(413).end();
        chunks.push(chunk);
      }
    } catch {
      return request.destroy(); // a body broken off (aborted, bad chunking): nothing to answer
    }
    const body = Buffer.concat(chunks);
    if (request.method !== "POST") return response.writeHead(405).end();
    try {
      framed(request.headers); // unsigned or stale: refused before the keys are fetched
      // a v1 delivery is checked with the secret alone: the keys only for its challenge
      const needsKeys = !secret || claimedType(body) === VERIFICATION;
      const keys = needsKeys ? await gatewayKeys() : [];
      const mine = { subscriptionId, region, secret, scheme, keys };
      if (claimedType(body) === VERIFICATION) {
        const answer = verifyChallenge(request.headers, body, mine);
        return response.writeHead(200, { "content-type": "application/json" })
          .end(JSON.stringify(answer));
      }
      if (claimedType(body) === BATCH) {
        const announced = verifyBatch(request.headers, body, mine);
        const file = await fetchBatchFile(announced);
        if (file === null) return response.writeHead(503).end();
        for (const event of batchLines(announced, file, mine))
          await onDelivery(event, event.delivery_id);
        return response.writeHead(204).end();
      }
      const event = verifyDelivery(request.headers, body, mine);
      const id = request.headers["webhook-id"];
      await (NOTICES.has(event.type) ? onNotice(event, id) : onDelivery(event, id));
      return response.writeHead(204).end();
    } catch (error) {
      if (!(error instanceof Refused || error instanceof SyntaxError)) {
        console.error(error); // storing failed, or the keys could not be fetched: try again
        return response.writeHead(503).end();
      }
      console.error(`refused: ${error.message}`);
      return response.writeHead(401).end();
    }
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const env = process.env;
  const server = createReceiver({
    gatewayUrl: env.GATEWAY_URL,
    subscriptionId: env.SUBSCRIPTION_ID,
    region: env.REGION,
    secret: env.WEBHOOK_SECRET || undefined,
    scheme: env.SIGNATURE_SCHEME || "v1a",
    onDelivery: (event, id) => console.log(`verified ${id}: ${event.type}`), // store it here
  });
  server.listen(Number(env.PORT || 8080), env.HOST || "127.0.0.1", () =>
    console.log(`listening on http://${env.HOST || "127.0.0.1"}:${server.address().port}`));
}
