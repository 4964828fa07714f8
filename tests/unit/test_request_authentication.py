"""A signed request other than a push is accepted once: its webhook-id is used up per region,
whichever of the region's keys signed it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import NOW, make_signer, platform_key, region
from fakes import InMemoryNonces, InMemoryRegistry

from gateway.authentication import authenticate_request
from gateway_client.contract.errors import BadRequest, InvalidSignature, RequestReplayed
from gateway_client.contract.signing import DEFAULT_TOLERANCE, RequestTarget
from gateway_client.push_client import request_headers

CITY = "441800"
SIGNER = make_signer("city-441800-k1")
NEXT = make_signer("city-441800-k2")  # the key being rotated in
ENABLE = RequestTarget.from_url("POST", "/v1/subscriptions/sub_a/enable")


def _registry() -> InMemoryRegistry:
    registry = InMemoryRegistry()
    registry.put_region(region(CITY))
    registry.put_key(platform_key(SIGNER, CITY))
    registry.put_key(platform_key(NEXT, CITY))
    return registry


REGISTRY = _registry()


def enable_headers(msg_id: str | None = None) -> dict[str, str]:
    return request_headers(SIGNER, "POST", "/v1/subscriptions/sub_a/enable", b"{}", NOW, msg_id)


def check(
    nonces: InMemoryNonces,
    headers: dict[str, str],
    target: RequestTarget = ENABLE,
    at: timedelta = timedelta(0),
    idempotent: bool = False,
) -> bool:
    auth = authenticate_request(
        REGISTRY, nonces, headers, target, b"{}", NOW + at, DEFAULT_TOLERANCE, idempotent=idempotent
    )
    return auth.repeated


def test_a_request_is_accepted_once_and_its_second_use_is_refused_naming_the_header() -> None:
    nonces = InMemoryNonces()
    headers = enable_headers()
    check(nonces, headers)

    with pytest.raises(RequestReplayed) as refused:
        check(nonces, headers, at=timedelta(seconds=30))

    assert refused.value.code == "request_replayed"
    assert refused.value.context == {"header": "webhook-id", "path": "webhook-id"}


def test_the_same_id_is_refused_even_when_signed_again_for_another_request() -> None:
    nonces = InMemoryNonces()
    check(nonces, enable_headers("req_same"))
    read = RequestTarget.from_url("GET", "/v1/subscriptions/sub_a")
    again = request_headers(SIGNER, "GET", "/v1/subscriptions/sub_a", b"{}", NOW, "req_same")

    with pytest.raises(RequestReplayed):
        check(nonces, again, target=read)


def test_fresh_ids_are_each_accepted() -> None:
    nonces = InMemoryNonces()

    check(nonces, enable_headers())
    check(nonces, enable_headers())

    assert len(nonces.used) == 2


def test_a_forged_request_does_not_use_up_the_id() -> None:
    nonces = InMemoryNonces()
    forged = {**enable_headers("req_x"), "webhook-signature": enable_headers()["webhook-signature"]}

    with pytest.raises(InvalidSignature):
        check(nonces, forged)

    assert nonces.used == {}
    check(nonces, enable_headers("req_x"))


def test_an_id_is_remembered_past_the_window_its_timestamp_is_accepted_in() -> None:
    nonces = InMemoryNonces()
    check(nonces, enable_headers("req_y"))

    [(_, until)] = nonces.used.items()

    assert until >= NOW + DEFAULT_TOLERANCE


def test_an_idempotent_creation_sees_a_repeated_id_instead_of_a_refusal() -> None:
    nonces = InMemoryNonces()
    headers = enable_headers()

    assert check(nonces, headers, idempotent=True) is False
    assert check(nonces, headers, idempotent=True) is True


def test_an_id_the_request_form_cannot_carry_is_refused() -> None:
    with pytest.raises(BadRequest) as refused:
        check(InMemoryNonces(), enable_headers("read.1"))

    assert refused.value.context == {"path": "webhook-id"}


def test_a_request_signed_by_two_keys_is_not_accepted_again_under_the_other_key_id() -> None:
    nonces = InMemoryNonces()
    headers = enable_headers("req_rotating")
    other = request_headers(
        NEXT, "POST", "/v1/subscriptions/sub_a/enable", b"{}", NOW, "req_rotating"
    )
    headers["webhook-signature"] += " " + other["webhook-signature"]  # both keys, as in rotation
    check(nonces, headers)

    swapped = {**headers, "x-credit-key-id": NEXT.key_id}  # the key-id header is not signed
    with pytest.raises(RequestReplayed):
        check(nonces, swapped)
