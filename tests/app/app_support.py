"""The app under test: env wiring, signed requests, a webhook receiver, Lambda event builders."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from chalice.test import Client, HTTPResponse

from chalicelib import bootstrap
from chalicelib.stream_redrive import lambda_record
from gateway.delivery.planning import Delivery
from gateway_client.contract.clock import china_date
from gateway_client.contract.notices import VerificationEvent
from gateway_client.contract.signing import (
    Ed25519Signer,
    generate_signing_key,
    load_private_key,
    public_key_text,
    uses_push_form,
)
from gateway_client.push_client import fresh_id, request_headers, signed_headers, wire_target
from gateway_client.receiver import is_verification

OPERATOR_TOKEN = "op-token-0123456789abcdefghij"
CREDIT_CODE = "91110000600037341L"
OTHER_CREDIT_CODE = "91430100687234560U"
CITY = "230900"  # 七台河市
PROVINCE = "230000"  # 黑龙江省
HUNAN = "430000"  # 湖南省


def configure_app(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str]) -> str:
    """Point the app at provisioned resources as the local stage; returns its signing key."""
    signing_key = generate_signing_key()
    settings = {
        **env,
        "CG_STAGE": "local",
        "CG_SIGNING_KEY": signing_key,
        "CG_SIGNING_KEY_ID": "gw-test-1",
        "CG_OPERATOR_TOKEN": OPERATOR_TOKEN,
    }
    leftovers = [n for n in os.environ if n.startswith(("CG_", "POWERTOOLS_"))]
    for name in leftovers:  # a local stack's, left on this worker by an e2e file's session
        if name not in settings and name != "CG_STATE_DIR":
            monkeypatch.delenv(name)
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    bootstrap.reset()
    return signing_key


def black_entry(**overrides: Any) -> dict[str, Any]:
    """A valid black-list entry, as a platform pushes it."""
    entry: dict[str, Any] = {
        "credit_code": CREDIT_CODE,
        "subject_name": "七台河某某建设工程有限公司",
        "kind": "black",
        "domain": "court_defaulter",
        "severity": "serious",
        "reason": "有履行能力而拒不履行生效法律文书确定的义务",
        "legal_basis": "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条",
        "deciding_authority": "七台河市中级人民法院",
        "decision_number": "(2024)黑09执123号",
        "decided_on": "2026-03-01",  # in force: court defaulters' 2 years end 2028-03-01
        "valid_from": "2026-03-01",
        "source_updated_at": "2026-03-02T09:00:00+08:00",
    }
    entry.update(overrides)
    return entry


def push_body(
    region: str, batch_id: str, entries: list[Any], issued_at: datetime | None = None
) -> bytes:
    body = {
        "region": region,
        "batch_id": batch_id,
        "issued_at": (issued_at or datetime.now(UTC)).isoformat(),
        "entries": entries,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def new_batch_id() -> str:
    return fresh_id("b-")


def new_signer(key_id: str) -> Ed25519Signer:
    return Ed25519Signer(key_id, load_private_key(generate_signing_key()))


def platform_headers(
    signer: Ed25519Signer,
    method: str,
    path: str,
    body: bytes,
    msg_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """A platform's headers for ``method path``: a push or an upload manifest in the Standard
    Webhooks form under ``msg_id`` (its batch or upload id); any other request in the request
    form (method, path, query, body) under ``msg_id`` or a fresh id — the gateway accepts each
    id once per key."""
    now = now or datetime.now(UTC)
    if uses_push_form(method, path):
        assert msg_id is not None, "a push or an upload is signed with its batch or upload id"
        return signed_headers(signer, msg_id, body, now)
    return request_headers(signer, method, path, body, now, msg_id)


def error_code(response: HTTPResponse) -> str:
    return str(response.json_body["error"]["code"])


def refusal(response: HTTPResponse) -> tuple[int, str, str]:
    """A refusal as (status, code, path)."""
    error = response.json_body["error"]
    return response.status_code, error["code"], error.get("path", "")


@dataclass
class Gateway:
    """The Chalice app in-process, configured from the provisioned resources."""

    client: Client
    monkeypatch: pytest.MonkeyPatch
    signing_key: str

    @property
    def public_key(self) -> str:
        return public_key_text(load_private_key(self.signing_key))

    def configure(self, **settings: str | None) -> None:
        """Change CG_* settings (``None`` removes one) and rebuild the cached container."""
        for name, value in settings.items():
            if value is None:
                self.monkeypatch.delenv(f"CG_{name.upper()}", raising=False)
            else:
                self.monkeypatch.setenv(f"CG_{name.upper()}", value)
        bootstrap.reset()

    @staticmethod
    def operator(token: str = OPERATOR_TOKEN) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def put_region(
        self, code: str, name: str = "地区", token: str = OPERATOR_TOKEN
    ) -> HTTPResponse:
        body = json.dumps({"name": name}, ensure_ascii=False).encode()
        return self.client.http.put(f"/v1/regions/{code}", headers=self.operator(token), body=body)

    def add_key(
        self, region: str, signer: Ed25519Signer, token: str = OPERATOR_TOKEN
    ) -> HTTPResponse:
        body = json.dumps(
            {"key_id": signer.key_id, "public_key": public_key_text(signer.private_key)}
        ).encode()
        return self.client.http.post(
            f"/v1/regions/{region}/keys", headers=self.operator(token), body=body
        )

    def register_platform(self, region: str, key_id: str | None = None) -> Ed25519Signer:
        signer = new_signer(key_id or f"k-{region}-{uuid.uuid4().hex[:8]}")
        assert self.put_region(region).status_code == 200
        assert self.add_key(region, signer).status_code == 201
        return signer

    def post_signed(
        self,
        path: str,
        signer: Ed25519Signer,
        msg_id: str | None,
        body: bytes,
        now: datetime | None = None,
    ) -> HTTPResponse:
        """POST as a platform signs it; ``msg_id`` None: a fresh webhook-id (not for pushes)."""
        headers = platform_headers(signer, "POST", path, body, msg_id, now)
        return self.client.http.post(wire_target(path), headers=headers, body=body)

    def send_signed(
        self,
        method: str,
        path: str,
        signer: Ed25519Signer,
        body: bytes = b"",
        msg_id: str | None = None,
    ) -> HTTPResponse:
        """Any request as a platform signs it (a fresh webhook-id unless ``msg_id``)."""
        headers = platform_headers(signer, method, path, body, msg_id)
        return self.client.http.request(method, wire_target(path), headers=headers, body=body)

    def push(
        self,
        signer: Ed25519Signer,
        region: str,
        entries: list[Any],
        batch_id: str | None = None,
    ) -> HTTPResponse:
        batch_id = batch_id or new_batch_id()
        return self.post_signed(
            "/v1/pushes", signer, batch_id, push_body(region, batch_id, entries)
        )

    def subscribe_as_operator(self, **request: Any) -> HTTPResponse:
        body = json.dumps(request).encode()
        return self.client.http.post("/v1/subscriptions", headers=self.operator(), body=body)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


def challenge_echo(body: bytes) -> bytes | None:
    """What a willing endpoint answers to a URL-verification event (``None`` for anything
    else). The test recorders echo without checking signatures; ``infra/local/receiver`` and
    the README's receiver check them."""
    if not is_verification(body):
        return None
    return VerificationEvent.model_validate_json(body).answer()


@dataclass
class Receiver:
    """A real HTTP endpoint on 127.0.0.1 that records every webhook and answers ``status``;
    with ``answers_challenge``, URL-verification events get their echo and are kept apart in
    ``challenges``, so ``requests`` holds deliveries only."""

    status: int = 204
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    answers_challenge: bool = True
    challenges: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                received = Received(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
                echo = challenge_echo(body) if receiver.answers_challenge else None
                (receiver.requests if echo is None else receiver.challenges).append(received)
                self.send_response(receiver.status if echo is None else 200)
                self.send_header("content-length", str(len(echo or b"")))
                self.end_headers()
                self.wfile.write(echo or b"")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class StreamReader:
    """Reads the listings table's stream like Lambda's event source mapping, shard by shard."""

    def __init__(self, streams: Any, stream_arn: str, region: str) -> None:
        self._streams = streams
        self._arn = stream_arn
        self._region = region
        self._iterators: dict[str, str | None] = {}

    def event(self) -> dict[str, Any]:
        """The next Lambda DynamoDB stream event: every record not read before."""
        shards = self._streams.describe_stream(StreamArn=self._arn)["StreamDescription"]["Shards"]
        for shard in shards:
            if shard["ShardId"] not in self._iterators:
                self._iterators[shard["ShardId"]] = self._streams.get_shard_iterator(
                    StreamArn=self._arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
        records: list[dict[str, Any]] = []
        for shard_id, iterator in self._iterators.items():
            if iterator is None:
                continue
            reply = self._streams.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(self._lambda_record(r) for r in reply.get("Records", []))
            self._iterators[shard_id] = reply.get("NextShardIterator")
        return {"Records": records}

    def _lambda_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return lambda_record(record, self._arn, self._region)


def consume(
    sqs: Any, queue_url: str, event: dict[str, Any], failed: frozenset[str] = frozenset()
) -> None:
    """Delete the event's messages that did not fail, as Lambda's event source mapping does (on
    a FIFO queue, a message left in flight holds back the rest of its group)."""
    for record in event["Records"]:
        if record["messageId"] not in failed:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"])


def sqs_event(sqs: Any, queue_url: str, region: str) -> dict[str, Any]:
    """Receive every visible message of the queue as one Lambda SQS event (real receipt handles)."""
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    records: list[dict[str, Any]] = []
    while True:
        reply = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
        )
        messages = reply.get("Messages", [])
        if not messages:
            return {"Records": records}
        records.extend(
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": arn,
                "awsRegion": region,
            }
            for m in messages
        )


# --- Mutual recognition: agreements, the regions of the 长江中游 scenario, queued deliveries ---

DAYE = "420281"  # 大冶市 (黄石市, 湖北省)
HUBEI = "420000"  # 湖北省
GUANGDONG = "440000"  # 广东省
NATURAL_PERSON_CODE = "11010519491231002X"


def daye_black_entry(**overrides: Any) -> dict[str, Any]:
    """A serious black listing decided in 大冶市."""
    return black_entry(
        **{
            "subject_name": "大冶某某矿业有限公司",
            "deciding_authority": "大冶市人民法院",
            "decision_number": "(2024)鄂0281执456号",
            **overrides,
        }
    )


def two_daye_subjects() -> list[dict[str, Any]]:
    """Two 大冶 subjects black-listed since yesterday (long in force by any agreement)."""
    recent = (china_date(datetime.now(UTC)) - timedelta(days=1)).isoformat()
    return [
        daye_black_entry(decided_on=recent, valid_from=recent),
        daye_black_entry(
            credit_code=OTHER_CREDIT_CODE,
            decision_number="(2024)鄂0281执7号",
            decided_on=recent,
            valid_from=recent,
        ),
    ]


def agreement_terms(**overrides: Any) -> dict[str, Any]:
    """湖南 recognises 湖北's serious black lists (the README's example agreement)."""
    terms: dict[str, Any] = {
        "title": "长江中游城市群严重失信主体名单互认合作备忘录",
        "subscriber_region": HUNAN,
        "sources": [{"region": HUBEI, "subtree": True}],
        "kinds": ["black"],
        "domains": [],
        "min_severity": "serious",
        "effective_from": "2024-01-01",
        "effective_until": None,
        "measures": [
            {
                "measure_id": "restrict_franchise",
                "text": "限制参与基础设施和公用事业特许经营",
                "department": "发展改革部门",
                "mandatory": False,
            },
            {
                "measure_id": "strict_licensing_review",
                "text": "从严审核行政许可审批项目",
                "department": "各行政许可管理部门",
                "mandatory": True,
            },
        ],
    }
    terms.update(overrides)
    return terms


def create_agreement(
    gateway: Gateway, terms: Mapping[str, Any], token: str | None = OPERATOR_TOKEN
) -> HTTPResponse:
    headers = gateway.operator(token) if token else {"Content-Type": "application/json"}
    body = json.dumps(terms, ensure_ascii=False).encode()
    return gateway.client.http.post("/v1/agreements", headers=headers, body=body)


def revise_agreement(
    gateway: Gateway,
    agreement_id: str,
    terms: Mapping[str, Any],
    token: str | None = OPERATOR_TOKEN,
) -> HTTPResponse:
    headers = gateway.operator(token) if token else {"Content-Type": "application/json"}
    body = json.dumps(terms, ensure_ascii=False).encode()
    return gateway.client.http.put(f"/v1/agreements/{agreement_id}", headers=headers, body=body)


def end_agreement(
    gateway: Gateway, agreement_id: str, token: str | None = OPERATOR_TOKEN
) -> HTTPResponse:
    headers = gateway.operator(token) if token else {}
    return gateway.client.http.delete(f"/v1/agreements/{agreement_id}", headers=headers)


def hunan_recognises_city(gateway: Gateway, **dates: Any) -> None:
    """湖南 recognises 七台河市's black lists, of any severity: its feedback on their deliveries
    may report measures executed (a delivery that did not recognise a listing gives none);
    ``dates``: its ``effective_from`` / ``effective_until`` (ISO), if not the default's."""
    terms = agreement_terms(
        title="湖南省认可七台河市失信主体名单",
        sources=[{"region": CITY, "subtree": True}],
        min_severity=None,
        **dates,
        measures=[
            {
                "measure_id": "key_supervision",
                "text": "列为重点监管对象，提高检查频次",
                "department": "各行业主管部门",
                "mandatory": False,
            }
        ],
    )
    gateway.put_region(HUNAN)
    gateway.put_region(CITY)
    made = create_agreement(gateway, terms)
    assert made.status_code == 201, made.json_body


def signed_agreement(gateway: Gateway, **overrides: Any) -> dict[str, Any]:
    """POST an agreement that must be accepted; its stored form."""
    response = create_agreement(gateway, agreement_terms(**overrides))
    assert response.status_code == 201, response.json_body
    return dict(response.json_body["agreement"])


def reevaluate(aws: Any, context: Any = None) -> int:
    """Run the queued agreement re-evaluation jobs one message per invocation, as the deployed
    trigger does, until none is left (continuations included); how many invocations ran."""
    import app as gateway_app  # the app module reads the environment the fixtures set

    url = aws.env["CG_REEVALUATION_QUEUE_URL"]
    invocations = 0
    while True:
        event = sqs_event(aws.sqs, url, "cn-northwest-1")
        if not event["Records"]:
            return invocations
        for record in event["Records"]:
            one = {"Records": [record]}
            gateway_app.reevaluate_agreements(one, context)
            consume(aws.sqs, url, one)
            invocations += 1


def queued_messages(sqs: Any, queue_url: str, region: str = "cn-northwest-1") -> list[Delivery]:
    """Every visible message on the delivery queue as a ``Delivery`` (consumed)."""
    event = sqs_event(sqs, queue_url, region)
    consume(sqs, queue_url, event)
    return [Delivery.model_validate_json(r["body"]) for r in event["Records"]]
