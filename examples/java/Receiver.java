// A province's receiver for credit-gateway webhooks: a starting point, not a library.
// JDK 17 only (Ed25519, HMAC, HttpServer, HttpClient): no third-party jars.
//
// Every webhook is checked for three things before it is believed:
//   1. the signature: `v1` (HMAC-SHA256 with your whsec_ secret; any of the signatures, as a
//      secret rotation sends two) or `v1a` (Ed25519, a key from the gateway's GET /v1/keys);
//   2. the timestamp: at most 5 minutes from this machine's clock, in either direction;
//   3. the audience: the gateway signs every region's deliveries with the same key, so the
//      body's `subscription_id` and `subscriber_region` (inside what is signed) must be yours.
//
// Run: GATEWAY_URL=https://…/api SUBSCRIPTION_ID=sub_… REGION=430000 [WEBHOOK_SECRET=whsec_…]
//      [PORT=8080] [HOST=127.0.0.1] java Receiver.java
// (WEBHOOK_SECRET only for a `v1` subscription: the secret from the creation reply.)
//
// A subscription with `delivery_mode: "batched"` also gets `deliveries.batch` webhooks: each
// announces an NDJSON file of deliveries by a short-lived presigned link and the file's
// SHA-256, size, line count and first and last `sequence`. The webhook is checked as above;
// the file needs no signature of its own, as any change to it changes its digest. Its lines
// are then checked as the gateway promises them (each addressed to you, `sequence` strictly
// increasing from first to last) and stored one by one, each exactly the body its single
// delivery would have had. A file that cannot be fetched is answered 503: the gateway sends
// the webhook again with a fresh link.
// `java Receiver.java --check cases.json` prints one JSON verdict per case (the tests use it).

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public final class Receiver {
    static final long TOLERANCE_SECONDS = 5 * 60;
    static final long KEYS_MAX_AGE_MS = 300_000; // GET /v1/keys says Cache-Control: max-age=300
    static final int MAX_SIGNATURES = 4; // the gateway sends at most 3; more only costs time
    static final int MAX_BODY_BYTES = 1 << 20;
    static final Set<String> NOTICES =
            Set.of("subscription.failing", "subscription.disabled", "subscription.test");
    static final String VERIFICATION = "subscription.verification";
    static final String BATCH = "deliveries.batch";
    static final long MAX_FILE_BYTES = 256L << 20; // a stream batch's file is well under a MB
    static final double MAX_WHOLE = 9007199254740992.0; // 2^53: JSON numbers read as doubles
    static final Pattern SECONDS = Pattern.compile("[0-9]{1,12}");
    // DER header of an X.509 Ed25519 public key; the raw 32 bytes follow it.
    static final byte[] ED25519_X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

    /** Why a webhook is not believed: answer 401. */
    static final class Refused extends Exception {
        Refused(String why) {
            super(why);
        }
    }

    /** Yours: the subscription, its region, and whom you trust (secret for v1, keys for v1a). */
    record Mine(String subscriptionId, String region, String secret, List<Object> keys) {}

    /** A delivery (or an endpoint notice) genuine *and addressed to you*: its parsed body. */
    static Map<String, Object> verifyDelivery(
            Map<String, String> headers, byte[] body, Mine mine, long now) throws Refused {
        Map<String, Object> event = checkSigned(headers, body, mine.secret(), mine.keys(), now);
        String type = String.valueOf(event.get("type"));
        Object ownId = event.get(NOTICES.contains(type) ? "notice_id" : "delivery_id");
        if (!header(headers, "webhook-id").equals(ownId)) {
            throw new Refused("the body's id differs from webhook-id");
        }
        if (!mine.subscriptionId().equals(event.get("subscription_id"))) {
            throw new Refused("addressed to subscription " + event.get("subscription_id"));
        }
        if (!mine.region().equals(event.get("subscriber_region"))) {
            throw new Refused("addressed to region " + event.get("subscriber_region"));
        }
        return event;
    }

    /** Your own region's URL-verification challenge: the body to answer with 200. Always
     * checked with the gateway keys: a v1 subscription's challenge is signed v1a too, as its
     * secret only arrives in the creation reply. */
    static String verifyChallenge(Map<String, String> headers, byte[] body, Mine mine, long now)
            throws Refused {
        Map<String, Object> event = checkSigned(headers, body, null, mine.keys(), now);
        if (!VERIFICATION.equals(event.get("type"))
                || !header(headers, "webhook-id").equals(event.get("verification_id"))) {
            throw new Refused("not a verification event");
        }
        if (!mine.region().equals(event.get("subscriber_region"))) {
            throw new Refused("a challenge for region " + event.get("subscriber_region"));
        }
        return "{\"challenge\":" + Json.quote(String.valueOf(event.get("challenge"))) + "}";
    }

    /** A deliveries.batch announcement genuine and addressed to you: its parsed body (the
     * file itself is checked by batchLines once fetched). */
    static Map<String, Object> verifyBatch(
            Map<String, String> headers, byte[] body, Mine mine, long now) throws Refused {
        Map<String, Object> announced = checkSigned(headers, body, mine.secret(), mine.keys(), now);
        if (!BATCH.equals(announced.get("type"))
                || !header(headers, "webhook-id").equals(announced.get("batch_id"))) {
            throw new Refused("not a batch announcement, or its batch_id differs from webhook-id");
        }
        if (!mine.subscriptionId().equals(announced.get("subscription_id"))) {
            throw new Refused("a batch for subscription " + announced.get("subscription_id"));
        }
        if (!mine.region().equals(announced.get("subscriber_region"))) {
            throw new Refused("a batch for region " + announced.get("subscriber_region"));
        }
        for (String name : List.of("size", "count", "first_sequence", "last_sequence")) {
            whole(announced, name);
        }
        if (!(announced.get("sha256") instanceof String digest && digest.matches("[0-9a-f]{64}"))) {
            throw new Refused("sha256 is not hex");
        }
        return announced;
    }

    /** The announced file's deliveries, in order, once the file is proven the one the gateway
     * signed for you: its SHA-256, size and line count as announced, each line a delivery
     * addressed to you, sequence strictly increasing from first_sequence to last_sequence. */
    static List<Map<String, Object>> batchLines(
            Map<String, Object> announced, byte[] file, Mine mine) throws Refused {
        String digest;
        try {
            digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        if (file.length != whole(announced, "size") || !digest.equals(announced.get("sha256"))) {
            throw new Refused("the file's SHA-256 or size (" + file.length + " bytes) differs");
        }
        List<String> raw = new ArrayList<>();
        for (String line : new String(file, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) raw.add(line);
        }
        if (raw.size() != whole(announced, "count")) {
            throw new Refused("the file holds " + raw.size() + " lines, not as announced");
        }
        List<Map<String, Object>> events = new ArrayList<>();
        long previous = Long.MIN_VALUE;
        for (int n = 1; n <= raw.size(); n++) {
            Object parsed;
            try {
                parsed = Json.parse(raw.get(n - 1));
            } catch (IllegalArgumentException e) {
                throw new Refused("line " + n + " of the batch is not JSON");
            }
            if (!(parsed instanceof Map<?, ?> map)
                    || !mine.subscriptionId().equals(map.get("subscription_id"))
                    || !mine.region().equals(map.get("subscriber_region"))) {
                throw new Refused("line " + n + " of the batch is not addressed to you");
            }
            long sequence = whole(map, "sequence");
            if (n > 1 && sequence <= previous) {
                throw new Refused("line " + n + " of the batch is out of order");
            }
            if (n == 1 && sequence != whole(announced, "first_sequence")) {
                throw new Refused("the first line is not the announced first_sequence");
            }
            previous = sequence;
            @SuppressWarnings("unchecked")
            Map<String, Object> event = (Map<String, Object>) map;
            events.add(event);
        }
        if (previous != whole(announced, "last_sequence")) {
            throw new Refused("the last line is not the announced last_sequence");
        }
        return events;
    }

    /** A whole number the body names (the JSON reader gives doubles), or Refused. */
    static long whole(Map<?, ?> body, String name) throws Refused {
        if (body.get(name) instanceof Double d && d == Math.rint(d) && Math.abs(d) <= MAX_WHOLE) {
            return d.longValue();
        }
        throw new Refused(name + " is not a whole number");
    }

    static String header(Map<String, String> headers, String name) {
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase(name)) return h.getValue().strip();
        }
        return "";
    }

    /** The parsed body once signature and timestamp check out. Ed25519 tries every listed key
     * valid at the timestamp: x-credit-key-id is only a hint (during a key rotation a new key
     * may sign under the old id). */
    static Map<String, Object> checkSigned(
            Map<String, String> headers, byte[] body, String secret, List<Object> keys, long now)
            throws Refused {
        long timestamp = framed(headers, now);
        String id = header(headers, "webhook-id");
        String signatures = header(headers, "webhook-signature");
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8);
        byte[] content = new byte[prefix.length + body.length];
        System.arraycopy(prefix, 0, content, 0, prefix.length);
        System.arraycopy(body, 0, content, prefix.length, body.length);
        boolean good = secret != null
                ? anyHmacMatches(signatures, content, secret)
                : anyEd25519Verifies(signatures, content, usableAt(keys, timestamp));
        if (!good) throw new Refused("no " + (secret != null ? "v1" : "v1a") + " signature matches");
        try {
            Object parsed = Json.parse(new String(body, StandardCharsets.UTF_8));
            if (parsed instanceof Map<?, ?> map) {
                @SuppressWarnings("unchecked")
                Map<String, Object> event = (Map<String, Object>) map;
                return event;
            }
        } catch (IllegalArgumentException | StackOverflowError e) {
            // falls through: signed, but not a JSON object we can read
        }
        throw new Refused("the body is not a JSON object");
    }

    /** The webhook-* headers as the gateway sends them, within the time window: the
     * timestamp. Checked before anything costs (the keys' fetch, a verification per
     * signature and key), as the Node example's framed() does. */
    static long framed(Map<String, String> headers, long now) throws Refused {
        String id = header(headers, "webhook-id");
        String stamp = header(headers, "webhook-timestamp");
        String signatures = header(headers, "webhook-signature");
        if (id.isEmpty() || stamp.isEmpty() || signatures.isEmpty()) {
            throw new Refused("missing webhook-* header(s)");
        }
        if (signatures.split(" ").length > MAX_SIGNATURES) throw new Refused("too many signatures");
        if (!SECONDS.matcher(stamp).matches()) throw new Refused("webhook-timestamp: not seconds");
        long timestamp = Long.parseLong(stamp);
        if (Math.abs(now - timestamp) > TOLERANCE_SECONDS) {
            throw new Refused("timestamp out of window");
        }
        return timestamp;
    }

    static boolean anyHmacMatches(String signatures, byte[] content, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            byte[] key = Base64.getDecoder().decode(secret.replaceFirst("^whsec_", ""));
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] expected = mac.doFinal(content);
            for (byte[] signature : signaturesOf(signatures, "v1")) {
                if (MessageDigest.isEqual(signature, expected)) return true;
            }
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static boolean anyEd25519Verifies(String signatures, byte[] content, List<PublicKey> keys) {
        for (byte[] signature : signaturesOf(signatures, "v1a")) {
            for (PublicKey key : keys) {
                try {
                    Signature verifier = Signature.getInstance("Ed25519");
                    verifier.initVerify(key);
                    verifier.update(content);
                    if (verifier.verify(signature)) return true;
                } catch (GeneralSecurityException e) {
                    // a malformed signature: try the next
                }
            }
        }
        return false;
    }

    static List<byte[]> signaturesOf(String header, String scheme) {
        List<byte[]> found = new ArrayList<>();
        for (String entry : header.split(" ")) {
            String[] parts = entry.split(",", 2);
            if (parts.length == 2 && parts[0].equals(scheme)) {
                try {
                    found.add(Base64.getDecoder().decode(parts[1]));
                } catch (IllegalArgumentException e) {
                    // not base64: cannot match
                }
            }
        }
        return found;
    }

    /** The keys from GET /v1/keys that may have signed at `timestamp` (valid_from/valid_until). */
    static List<PublicKey> usableAt(List<Object> keys, long timestamp) throws Refused {
        List<PublicKey> usable = new ArrayList<>();
        for (Object item : keys) {
            Map<?, ?> key = (Map<?, ?>) item;
            // An "sm2" key verifies v1sm2 webhooks, not v1a: skip keys of other algorithms.
            Object algorithm = key.get("algorithm");
            if (algorithm != null && !"ed25519".equals(algorithm)) continue;
            Object from = key.get("valid_from"), until = key.get("valid_until");
            if (from != null && epochSeconds(from) > timestamp) continue;
            if (until != null && timestamp > epochSeconds(until)) continue;
            String text = String.valueOf(key.get("public_key"));
            byte[] raw = text.startsWith("whpk_") ? Base64.getDecoder().decode(text.substring(5)) : null;
            if (raw == null || raw.length != 32) {
                throw new Refused(key.get("key_id") + ": not a whpk_ key");
            }
            byte[] der = new byte[ED25519_X509_PREFIX.length + 32];
            System.arraycopy(ED25519_X509_PREFIX, 0, der, 0, ED25519_X509_PREFIX.length);
            System.arraycopy(raw, 0, der, ED25519_X509_PREFIX.length, 32);
            try {
                KeyFactory factory = KeyFactory.getInstance("Ed25519");
                usable.add(factory.generatePublic(new X509EncodedKeySpec(der)));
            } catch (GeneralSecurityException e) {
                throw new Refused(key.get("key_id") + ": not an Ed25519 key");
            }
        }
        return usable;
    }

    static long epochSeconds(Object isoMoment) {
        return OffsetDateTime.parse(String.valueOf(isoMoment)).toEpochSecond();
    }

    // ---- the HTTP receiver ------------------------------------------------------------------

    // Redirects are never followed (HttpClient's default): a presigned link is the object.
    static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    static final Duration FETCH_TIMEOUT = Duration.ofSeconds(60); // a stalled link holds no handler
    static List<Object> keys = List.of();
    static long keysFetchedAt; // epoch milliseconds of the last fetch: 0, never

    /** Every key GET {gatewayUrl}/v1/keys lists, cached for its max-age; read again when
     * the copy's age is outside [0, max-age): a clock stepped back must not keep a withdrawn
     * key trusted (as gateway listen and the Node example judge it). */
    static synchronized List<Object> gatewayKeys(String gatewayUrl)
            throws IOException, InterruptedException {
        long age = System.currentTimeMillis() - keysFetchedAt;
        if (keysFetchedAt == 0 || age < 0 || age >= KEYS_MAX_AGE_MS) {
            URI uri = URI.create(gatewayUrl.replaceAll("/$", "") + "/v1/keys");
            HttpResponse<String> reply = within(FETCH_TIMEOUT, HTTP.sendAsync(
                    HttpRequest.newBuilder(uri).timeout(FETCH_TIMEOUT).build(),
                    HttpResponse.BodyHandlers.ofString()));
            if (reply.statusCode() != 200) {
                throw new IOException("GET /v1/keys -> " + reply.statusCode());
            }
            @SuppressWarnings("unchecked")
            List<Object> listed = (List<Object>) ((Map<?, ?>) Json.parse(reply.body())).get("keys");
            keys = listed;
            keysFetchedAt = System.currentTimeMillis();
        }
        return keys;
    }

    /** GET the announced file's presigned link, reading at most one byte more than its size;
     * null when it cannot be fetched now (answer 503: the retry brings a fresh link). */
    static byte[] fetchBatchFile(Map<String, Object> announced)
            throws Refused, InterruptedException {
        long size = whole(announced, "size");
        String url = String.valueOf(announced.get("url"));
        if (size > MAX_FILE_BYTES) throw new Refused("a batch file of " + size + " bytes");
        if (!url.startsWith("https://") && !url.startsWith("http://")) {
            throw new Refused("the batch file's link is not http(s)");
        }
        try {
            HttpResponse<InputStream> reply = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(FETCH_TIMEOUT).build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = reply.body()) { // closed at the timeout: the read gives up
                if (reply.statusCode() != 200) return null;
                return within(FETCH_TIMEOUT, CompletableFuture.supplyAsync(() -> {
                    try {
                        return in.readNBytes((int) size + 1);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }));
            }
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The future's value, or IOException once {@code limit} has passed: a request's own
     * timeout ends at the response's headers, and a body that stops arriving after them would
     * otherwise hold the handler (and, for the keys, every handler) for good. */
    static <T> T within(Duration limit, CompletableFuture<T> pending)
            throws IOException, InterruptedException {
        try {
            return pending.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new IOException("no answer within " + limit.toSeconds() + " s");
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
    }

    /** 204 to a verified delivery, notice or batch, 200 {"challenge"} to your own region's
     * challenge, 401 to anything else, 503 to a batch whose file cannot be fetched now. Store
     * each delivery (dedup by its id: a batch's line by its delivery_id) before answering
     * 2xx: only a 2xx stops the gateway retrying. A batch's lines come in order. */
    static void handle(HttpExchange exchange, String gatewayUrl, String subscriptionId,
            String region, String secret) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES || !exchange.getRequestMethod().equals("POST")) {
                exchange.sendResponseHeaders(body.length > MAX_BODY_BYTES ? 413 : 405, -1);
                return;
            }
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, all) -> headers.put(name, all.get(0)));
            try {
                long now = System.currentTimeMillis() / 1000;
                framed(headers, now); // unsigned or stale: refused before the keys are fetched
                Object type = claimedType(body);
                // a v1 subscription's deliveries need its secret only: the key list out of
                // reach must not refuse them (only a challenge is checked with the keys)
                boolean keyed = secret == null || VERIFICATION.equals(type);
                List<Object> trusted = keyed ? gatewayKeys(gatewayUrl) : List.of();
                Mine mine = new Mine(subscriptionId, region, secret, trusted);
                if (VERIFICATION.equals(type)) {
                    byte[] answer =
                            verifyChallenge(headers, body, mine, now).getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("content-type", "application/json");
                    exchange.sendResponseHeaders(200, answer.length);
                    exchange.getResponseBody().write(answer);
                    return;
                }
                if (BATCH.equals(type)) {
                    Map<String, Object> announced = verifyBatch(headers, body, mine, now);
                    byte[] file = fetchBatchFile(announced);
                    if (file == null) {
                        System.err.println("batch file not fetched: the gateway sends it again");
                        exchange.sendResponseHeaders(503, -1);
                        return;
                    }
                    for (Map<String, Object> line : batchLines(announced, file, mine)) {
                        // store each line here (dedup by its delivery_id), then answer 2xx
                        System.out.println("verified " + line.get("delivery_id") + ": " + line.get("type"));
                    }
                    exchange.sendResponseHeaders(204, -1);
                    return;
                }
                Map<String, Object> event = verifyDelivery(headers, body, mine, now);
                // a delivery: store it here (dedup by webhook-id), then answer 2xx; an endpoint
                // notice is no delivery (nothing verify-log reads): act on it, store it apart
                String said = NOTICES.contains((String) event.get("type")) ? "notice " : "verified ";
                System.out.println(said + header(headers, "webhook-id") + ": " + event.get("type"));
                exchange.sendResponseHeaders(204, -1);
            } catch (Refused e) {
                System.err.println("refused: " + e.getMessage());
                exchange.sendResponseHeaders(401, -1);
            } catch (IOException | InterruptedException | RuntimeException e) {
                System.err.println("not answered 2xx (the gateway retries): " + e);
                exchange.sendResponseHeaders(503, -1);
            }
        }
    }

    static Object claimedType(byte[] body) {
        try {
            Object parsed = Json.parse(new String(body, StandardCharsets.UTF_8));
            return parsed instanceof Map<?, ?> map ? map.get("type") : null;
        } catch (IllegalArgumentException | StackOverflowError e) { // nested past the stack:
            return null; // no type claimed, so the signature check refuses it (401)
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--check")) {
            check(Path.of(args[1]));
            return;
        }
        Map<String, String> env = System.getenv();
        String gatewayUrl = env.get("GATEWAY_URL"), subscriptionId = env.get("SUBSCRIPTION_ID");
        String region = env.get("REGION"), secret = env.getOrDefault("WEBHOOK_SECRET", "");
        String host = env.getOrDefault("HOST", "127.0.0.1");
        HttpServer server = HttpServer.create(
                new InetSocketAddress(host, Integer.parseInt(env.getOrDefault("PORT", "8080"))), 0);
        String v1Secret = secret.isEmpty() ? null : secret;
        server.createContext("/", exchange ->
                handle(exchange, gatewayUrl, subscriptionId, region, v1Secret));
        // a handler per request, so one slow fetch does not hold every other delivery
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
        System.out.println("listening on http://" + host + ":" + server.getAddress().getPort());
    }

    /** For the tests: one JSON verdict per case, {"name", "ok", "reason"} (+ "answer" for a
     * challenge, "lines" for a batch: its file, base64, is the case's "file"). */
    static void check(Path cases) throws IOException {
        long now = System.currentTimeMillis() / 1000;
        for (Object item : (List<?>) Json.parse(Files.readString(cases))) {
            Map<?, ?> c = (Map<?, ?>) item;
            @SuppressWarnings("unchecked")
            Map<String, String> headers = (Map<String, String>) c.get("headers");
            @SuppressWarnings("unchecked")
            List<Object> listed = c.get("keys") == null ? List.of() : (List<Object>) c.get("keys");
            Mine mine = new Mine((String) c.get("subscription_id"), (String) c.get("region"),
                    (String) c.get("secret"), listed);
            byte[] body = ((String) c.get("body")).getBytes(StandardCharsets.UTF_8);
            String verdict = "{\"name\":" + Json.quote((String) c.get("name"));
            try {
                if ("challenge".equals(c.get("kind"))) {
                    String answer = verifyChallenge(headers, body, mine, now);
                    verdict += ",\"ok\":true,\"reason\":null,\"answer\":" + answer;
                } else if ("batch".equals(c.get("kind"))) {
                    Map<String, Object> announced = verifyBatch(headers, body, mine, now);
                    byte[] file = Base64.getDecoder().decode((String) c.get("file"));
                    int lines = batchLines(announced, file, mine).size();
                    verdict += ",\"ok\":true,\"reason\":null,\"lines\":" + lines;
                } else {
                    verifyDelivery(headers, body, mine, now);
                    verdict += ",\"ok\":true,\"reason\":null";
                }
            } catch (Refused e) {
                verdict += ",\"ok\":false,\"reason\":" + Json.quote(e.getMessage());
            }
            System.out.println(verdict + "}");
        }
    }

    /** A compact JSON reader (objects, arrays, strings, numbers, true/false/null), enough for
     * this example: production code would use its JSON library (Jackson, Gson, …) instead. */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) {
            this.s = s;
        }

        static Object parse(String text) {
            Json json = new Json(text);
            try {
                Object value = json.value();
                json.space();
                if (json.i != text.length()) throw new IllegalArgumentException("trailing text");
                return value;
            } catch (IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("unexpected end", e);
            }
        }

        static String quote(String text) {
            StringBuilder out = new StringBuilder("\"");
            for (char ch : text.toCharArray()) {
                if (ch == '"' || ch == '\\') out.append('\\').append(ch);
                else if (ch < 0x20) out.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                else out.append(ch);
            }
            return out.append('"').toString();
        }

        private void space() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) i++;
        }

        private char next() {
            if (i >= s.length()) throw new IllegalArgumentException("unexpected end");
            return s.charAt(i++);
        }

        private Object value() {
            space();
            char ch = next();
            switch (ch) {
                case '{': {
                    Map<String, Object> object = new LinkedHashMap<>();
                    space();
                    if (s.startsWith("}", i)) {
                        i++;
                        return object;
                    }
                    do {
                        space();
                        if (next() != '"') throw new IllegalArgumentException("expected a key");
                        String name = string();
                        space();
                        if (next() != ':') throw new IllegalArgumentException("expected ':'");
                        object.put(name, value());
                        space();
                    } while (s.startsWith(",", i) && ++i > 0);
                    if (next() != '}') throw new IllegalArgumentException("expected '}'");
                    return object;
                }
                case '[': {
                    List<Object> array = new ArrayList<>();
                    space();
                    if (s.startsWith("]", i)) {
                        i++;
                        return array;
                    }
                    do {
                        array.add(value());
                        space();
                    } while (s.startsWith(",", i) && ++i > 0);
                    if (next() != ']') throw new IllegalArgumentException("expected ']'");
                    return array;
                }
                case '"':
                    return string();
                default:
                    i--;
                    for (String word : new String[] {"true", "false", "null"}) {
                        if (s.startsWith(word, i)) {
                            i += word.length();
                            return word.equals("null") ? null : Boolean.valueOf(word);
                        }
                    }
                    int start = i;
                    while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
                    if (start == i) throw new IllegalArgumentException("unexpected " + ch);
                    return Double.valueOf(s.substring(start, i));
            }
        }

        private String string() {
            StringBuilder out = new StringBuilder();
            for (char ch = next(); ch != '"'; ch = next()) {
                if (ch != '\\') {
                    out.append(ch);
                    continue;
                }
                char escaped = next();
                switch (escaped) {
                    case 'b' -> out.append('\b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'u' -> {
                        out.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> out.append(escaped);
                }
            }
            return out.toString();
        }
    }
}
