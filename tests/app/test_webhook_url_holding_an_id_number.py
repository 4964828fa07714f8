"""A webhook URL holding a resident ID number (``https://hook.example/cb?sfzh=<身份证号>``: an
integrator's endpoint keyed by its operator's number) is refused as any text holding one is
(review 317): it is stored and shown to the region, the operator and console sessions, and a
host label goes to resolvers. The refusal quotes it masked."""

from __future__ import annotations

import json
import unicodedata
from urllib.parse import unquote

import pytest
from app_support import HUNAN, Gateway

from gateway_client.contract.signing import Ed25519Signer

ID = "420281199503150210"


@pytest.mark.parametrize(
    "url",
    [
        f"http://127.0.0.1:9/hook?sfzh={ID}",
        f"http://127.0.0.1:9/hook/{ID}",
        "http://127.0.0.1:9/hook/420281-19950315-0210",
        "http://127.0.0.1:9/hook/%34%32" + ID[2:],
        f"http://127.0.0.1:9/hook#{ID}",
        f"http://{ID}.localhost:9/hook",
        # as its receiver reads them (review 320): a query's + a space, invisible characters
        f"http://127.0.0.1:9/hook?sfzh={ID[:10]}+{ID[10:]}",
        f"http://127.0.0.1:9/hook?sfzh={ID[:6]}%E2%80%8B{ID[6:]}",
        f"http://127.0.0.1:9/hook?sfzh={ID[:6]}%C2%AD{ID[6:]}",
        # not ASCII: refused as holding the number, not with a hint repeating it (review 320)
        f"http://127.0.0.1:9/张{ID}",
        "http://127.0.0.1:9/cb/" + "".join(chr(0xFF10 + int(c)) for c in ID),
        f"http://127.0.0.1:9/cb/{ID[:6]}、{ID[6:14]}、{ID[14:]}",
        # invisible characters text fields refuse, beyond format ones (review 323)
        f"http://127.0.0.1:9/hook?sfzh={ID[:6]}%CD%8F{ID[6:]}",
        f"http://127.0.0.1:9/hook?sfzh={ID[:6]}%E3%85%A4{ID[6:]}",
        f"http://127.0.0.1:9/hook/{ID[:6]}\u034f{ID[6:]}",
        # split by the URL's own delimiters (review 325)
        f"http://127.0.0.1:9/cb/{ID[:6]}/{ID[6:14]}/{ID[14:]}",
        f"http://127.0.0.1:9/hook?sfzh={ID[:6]}.{ID[6:14]}.{ID[14:]}",
        f"http://127.0.0.1:9/hook?sfzh={ID[:6]}:{ID[6:14]}:{ID[14:]}",
        f"http://127.0.0.1:9/cb/{ID[:6]}%2F{ID[6:14]}%2F{ID[14:]}",
        f"http://{ID[:6]}.{ID[6:14]}.{ID[14:]}.localhost:9/",
        f"http://127.0.0.1:9/cb/{ID[:6]}/{ID[6:14]}、{ID[14:]}",
    ],
)
def test_a_webhook_url_holding_an_id_number_is_refused(
    gateway: Gateway, hunan: Ed25519Signer, url: str
) -> None:
    body = {"region": HUNAN, "url": url}

    reply = gateway.post_signed("/v1/subscriptions", hunan, None, json.dumps(body).encode())

    assert reply.status_code == 400, reply.json_body
    assert reply.json_body["error"]["path"] == "url"
    said = unicodedata.normalize("NFKC", unquote(reply.json_body["error"]["message"]))
    assert ID not in "".join(c for c in said if c.isdigit()), said
    listed = gateway.send_signed("GET", "/v1/subscriptions", hunan)
    assert listed.json_body["subscriptions"] == []


def test_a_url_changed_to_one_holding_an_id_number_is_refused_and_kept(
    gateway: Gateway, hunan: Ed25519Signer
) -> None:
    made = gateway.post_signed(
        "/v1/subscriptions",
        hunan,
        None,
        json.dumps({"region": HUNAN, "url": "http://127.0.0.1:9/hook"}).encode(),
    )
    assert made.status_code == 201, made.json_body
    path = f"/v1/subscriptions/{made.json_body['subscription_id']}"

    changed = gateway.send_signed(
        "PATCH", path, hunan, json.dumps({"url": f"http://127.0.0.1:9/h/{ID}"}).encode()
    )

    assert changed.status_code == 400, changed.json_body
    assert changed.json_body["error"]["path"] == "url"
    assert gateway.send_signed("GET", path, hunan).json_body["url"] == "http://127.0.0.1:9/hook"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook?tenant=123456789012345678",
        # an IP literal host left out: joined with a dated path, it read as a first-generation
        # number (review 323)
        "https://150.220.56.112/2025/02/27/hook",
        "https://150.220.56.112/2025",
    ],
)
def test_a_url_whose_numbers_are_no_id_number_is_accepted(
    gateway: Gateway, hunan: Ed25519Signer, url: str
) -> None:
    body = {"region": HUNAN, "url": url}
    reply = gateway.post_signed("/v1/subscriptions", hunan, None, json.dumps(body).encode())
    assert reply.status_code == 201, reply.json_body


def test_an_ip_host_does_not_join_the_number_a_refusal_quotes(
    gateway: Gateway, hunan: Ed25519Signer
) -> None:
    """The refusal quotes what it judged, the host left out: quoting the URL with its host, the
    host's digits and the number's first six read as another number, masked, and the real one's
    birth date, sequence and check character were shown (review 327)."""
    body = {"region": HUNAN, "url": "https://110.100.190.107/110105-19491231-002X"}

    reply = gateway.post_signed("/v1/subscriptions", hunan, None, json.dumps(body).encode())

    assert reply.status_code == 400, reply.json_body
    assert "19491231" not in reply.json_body["error"]["message"], reply.json_body
