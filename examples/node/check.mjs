// The test's entry point: `node check.mjs cases.json` prints one JSON verdict per case,
// {"name", "ok", "reason"} (and "answer" for a challenge), checked against the real clock.
// A case: {name, kind: "delivery" | "challenge", subscription_id, region, secret?, scheme?,
// keys, headers, body (the exact body as a string)}.

import { readFileSync } from "node:fs";
import { verifyChallenge, verifyDelivery } from "./receiver.mjs";

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
    else verifyDelivery(c.headers, body, mine);
  } catch (error) {
    Object.assign(verdict, { ok: false, reason: String(error.message) });
  }
  console.log(JSON.stringify(verdict));
}
