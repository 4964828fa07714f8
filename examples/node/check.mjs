// The test's entry point: `node check.mjs cases.json` prints one JSON verdict per case,
// {"name", "ok", "reason"} (and "answer" for a challenge), checked against the real clock.
// A case: {name, kind: "delivery" | "challenge" | "batch", subscription_id, region, secret?,
// scheme?, keys, headers, body (the exact body as a string), file? (a batch's file, base64)};
// a batch's verdict also says how many deliveries its file gave ("lines").

import { readFileSync } from "node:fs";
import { batchLines, verifyBatch, verifyChallenge, verifyDelivery } from "./receiver.mjs";

for (const c of JSON.parse(readFileSync(process.argv[2], "utf8"))) {
  const mine = {
    subscriptionId: c.subscription_id,
    region: c.region,
    secret: c.secret ?? undefined,
    scheme: c.scheme ?? "v1a",
    keys: c.keys ?? [],
  };
  const body = Buffer.from(c.body, "utf8");
  const verdict = { name: c.name, ok: true, reason: null };
  try {
    if (c.kind === "challenge") verdict.answer = verifyChallenge(c.headers, body, mine);
    else if (c.kind === "batch") {
      const announced = verifyBatch(c.headers, body, mine);
      verdict.lines = batchLines(announced, Buffer.from(c.file, "base64"), mine).length;
    } else verifyDelivery(c.headers, body, mine);
  } catch (error) {
    Object.assign(verdict, { ok: false, reason: String(error.message) });
  }
  console.log(JSON.stringify(verdict));
}
