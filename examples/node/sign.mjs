// How a city platform on Node signs for the gateway with SM2 (`v1sm2`, GM/T 0003 with SM3),
// through `sm-crypto`: a push or an upload manifest in the push form, any other request in the
// request form. Register the public key (04‖X‖Y) as an "sm2" key of your region first, with the
// user ID you sign under if it is not the default.
//
// Run: node sign.mjs new-key   → {"private_key", "public_key"} (keep the first one secret)
//      SM2_PRIVATE_KEY=<64 hex> [SM2_USER_ID=…] \
//        node sign.mjs KEY_ID WEBHOOK_ID TIMESTAMP BODY_FILE [METHOD TARGET]   → headers, as JSON
// (a push's WEBHOOK_ID is its batch_id; any other request: METHOD and TARGET, the path after the
// base URL with its query, e.g. GET '/v1/log?from=7&limit=50', under a new random WEBHOOK_ID.)

import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import smCrypto from "sm-crypto"; // CommonJS: its `sm2` comes through the default export

const { sm2 } = smCrypto;

export const SM2_DEFAULT_USER_ID = "1234567812345678"; // GM/T 0009's; the gateway's default too

// The gateway's canonical encoding: everything but A-Z a-z 0-9 - . _ ~ percent-encoded, so
// also the `!'()*` that encodeURIComponent leaves alone.
const SUB_DELIMS = { "!": "%21", "'": "%27", "(": "%28", ")": "%29", "*": "%2A" };
const strict = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => SUB_DELIMS[c]);
const byNameThenValue = ([n1, v1], [n2, v2]) =>
  n1 < n2 ? -1 : n1 > n2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0;

/** METHOD\npath\nquery\n as the gateway rebuilds it from its route: each path segment decoded
 * and re-encoded; the query's names and values decoded (`+` is a space), re-encoded, sorted by
 * name then value. Any spelling of the same request signs alike. */
export function requestForm(method, target) {
  const [path, query = ""] = target.split(/\?(.*)/s);
  const segments = path.split("/").map((segment) => strict(decodeURIComponent(segment)));
  const pairs = [...new URLSearchParams(query)].map((pair) => pair.map(strict));
  const canonical = pairs.sort(byNameThenValue).map((pair) => pair.join("=")).join("&");
  return `${method.toUpperCase()}\n${segments.join("/")}\n${canonical}\n`;
}

/** The headers of one signed push (no `method`), or of a request (`method` and `target`).
 * `privateKey`: 64 hex digits (or the gateway's `sm2sk_` spelling); `body`: the exact bytes. */
export function signedHeaders({ privateKey, keyId, id, timestamp, body, userId, method, target }) {
  const d = privateKey.replace(/^sm2sk_/, "");
  if (!/^[0-9a-fA-F]{64}$/.test(d)) throw new Error("an SM2 private key is 64 hex digits");
  const form = method === undefined ? "" : requestForm(method, target);
  const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.${form}`), body]);
  // hash: true hashes e = SM3(Z_A ‖ M) with the public key (derived from d) and the user ID,
  // as GM/T 0003 says; der: false gives the raw r ‖ s (128 hex digits) the gateway reads. A
  // Buffer is hashed byte for byte, where a string would be re-encoded as UTF-8 first.
  const options = { hash: true, der: false, userId: userId ?? SM2_DEFAULT_USER_ID };
  const rs = sm2.doSignature(content, d, options);
  return {
    "content-type": "application/json",
    "webhook-id": id,
    "webhook-timestamp": String(timestamp),
    "webhook-signature": `v1sm2,${Buffer.from(rs, "hex").toString("base64")}`,
    "x-credit-key-id": keyId,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [keyId, id, timestamp, bodyFile, method, target] = process.argv.slice(2);
  if (keyId === "new-key") {
    const { privateKey, publicKey } = sm2.generateKeyPairHex();
    console.log(JSON.stringify({ private_key: privateKey, public_key: publicKey }));
  } else {
    const body = readFileSync(bodyFile);
    const privateKey = process.env.SM2_PRIVATE_KEY ?? "";
    const userId = process.env.SM2_USER_ID || undefined;
    const signing = { privateKey, keyId, id, timestamp, body, userId, method, target };
    console.log(JSON.stringify(signedHeaders(signing)));
  }
}
