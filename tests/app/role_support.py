"""Every AWS call a scenario makes, credited to the deployed function that would make it, is
one that function's role grants (``infra.function_policies``): moto enforces no IAM, so a read
added to a handler passes every other test and fails each invocation on AWS (review 111: the
ingest's registry read, the re-evaluation's agreements scan, the tick's registry read and
identity key).

Every app test runs under it (``conftest._roles``; opt out with ``roles_unchecked``). Each handler
invocation runs as on a cold container (the container built anew), so the secrets it reads are
read, and credited, again; the local ``POST /v1/tick`` is credited to the tick function past its
caller check, as on AWS the API invokes that function for it.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

import botocore.client
import chalice.app
import pytest
from botocore.exceptions import ClientError
from iam_needs import needed

import app as gateway_app
from chalicelib import bootstrap, secret_reads
from chalicelib.s3_archive import S3Archive
from chalicelib.settings import get_settings
from infra.function_policies import function_statements
from infra.package import merge_template

HANDLERS = {
    "fan_out_changes": "FanOutChanges",
    "deliver_webhooks": "DeliverWebhooks",
    "ingest_uploads": "IngestUploads",
    "reevaluate_agreements": "ReevaluateAgreements",
    "lifecycle_tick": "LifecycleTick",
}
_KINDS = {
    "AWS::DynamoDB::Table": "table",
    "AWS::SQS::Queue": "sqs",
    "AWS::S3::Bucket": "s3",
    "AWS::SecretsManager::Secret": "secret",
    "AWS::SNS::Topic": "sns",
}
_SECRETS = {
    "signing_key": "SigningKeySecret",
    "operator_token": "OperatorTokenSecret",
    "trail_key": "TrailKeySecret",
    "identity_key": "IdentityKeySecret",
}


def _patterns(resource: Any, kinds: dict[str, str]) -> list[str]:
    """A statement's resource as patterns over ``kind/Logical/…``."""
    if isinstance(resource, list):
        return [p for r in resource for p in _patterns(r, kinds)]
    if isinstance(resource, str):
        return [resource]
    if "Fn::GetAtt" in resource:
        logical, attribute = resource["Fn::GetAtt"]
        return [
            f"stream/{logical}" if attribute == "StreamArn" else f"{kinds.get(logical)}/{logical}"
        ]
    if "Ref" in resource:
        return [f"{kinds.get(resource['Ref'])}/{resource['Ref']}"]
    text = resource.get("Fn::Sub", "")
    if text.startswith("${") and ".Arn}" in text:
        logical, rest = text[2:].split(".Arn}", 1)
        return [f"{kinds.get(logical)}/{logical}{rest}"]
    return []


@cache
def _kinds() -> dict[str, str]:
    """Each resource of the packaged template (secrets too) → its kind in a call's resource."""
    resources = merge_template()["Resources"]
    return {logical: _KINDS.get(r.get("Type", ""), "lambda") for logical, r in resources.items()}


@cache
def _statements(function: str) -> tuple[tuple[list[str], list[str], list[list[str]]], ...]:
    """The function's statements as (actions, resource patterns, condition values)."""
    kinds = _kinds()
    return tuple(
        (
            statement["Action"],
            _patterns(statement["Resource"], kinds),
            [
                values if isinstance(values, list) else [values]
                for condition in statement.get("Condition", {}).values()
                for key, values in condition.items()
                if key in ("dynamodb:LeadingKeys", "s3:prefix")
            ],
        )
        for statement in function_statements(function)
        if "Action" in statement  # not an ``Fn::If`` (the customer-managed key, if any)
    )


@cache
def _granted(function: str, action: str, resource: str, detail: str) -> bool:
    return any(
        any(fnmatch.fnmatchcase(action, a) for a in actions)
        and any(fnmatch.fnmatchcase(resource, r) for r in patterns)
        and all(detail and any(fnmatch.fnmatchcase(detail, v) for v in vs) for vs in limits)
        for actions, patterns, limits in _statements(function)
    )


class Roles:
    """The calls a scenario made, by function."""

    def __init__(self) -> None:
        self.refused: dict[str, str] = {}  # a call its role refuses → where it was made

    def function(self) -> str | None:
        """The function making a call now: the handler running in this thread (a pool's
        thread carries its submitter's: ``_carried``), or the tick past its caller check."""
        running = _RUNNING.get()
        if running != "APIHandler":
            return running
        names = []
        frame: Any = sys._getframe(2)
        while frame is not None:
            code = frame.f_code
            names.append(code.co_name)
            if code.co_name == "tick" and code.co_filename.endswith("tick_api.py"):
                return (
                    None if {"require_operator", "parse_request"} & set(names) else "LifecycleTick"
                )
            frame = frame.f_back
        return running

    def note(self, function: str, needed: list[tuple[str, ...]]) -> None:
        """Keep the calls the role refuses, each with where it was first made."""
        for action, resource, detail in needed:
            if _granted(function, action, resource, detail):
                continue
            where = " < ".join(
                f"{Path(f.f_code.co_filename).name}:{f.f_code.co_name}"
                for f in _frames()
                if "/chalicelib/" in f.f_code.co_filename or "/gateway/" in f.f_code.co_filename
            )
            self.refused.setdefault(f"{function} {action} {resource}", where)

    def running(
        self, function: str, call: Callable[..., Any], cold: bool = True
    ) -> Callable[..., Any]:
        """``call`` credited to ``function``, on a cold container (its secrets read again)
        when ``cold``: the API's role reads every secret, so only its tick needs one."""

        def run(*args: Any, **kwargs: Any) -> Any:
            token = _RUNNING.set(function)
            if cold:
                bootstrap.container.cache_clear()
            try:
                return call(*args, **kwargs)
            finally:
                _RUNNING.reset(token)
                if cold:
                    bootstrap.container.cache_clear()

        return run


_RUNNING: ContextVar[str | None] = ContextVar("role_support_running", default=None)


def _carried(roles: Roles, submit: Callable[..., Any]) -> Callable[..., Any]:
    """``ThreadPoolExecutor.submit`` whose task runs as the function that submitted it (a
    pool's threads would otherwise make their calls as nobody, or as the API for the tick)."""

    def carrying(pool: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        function = roles.function()

        def as_submitter(*a: Any, **k: Any) -> Any:
            token = _RUNNING.set(function)
            try:
                return fn(*a, **k)
            finally:
                _RUNNING.reset(token)

        return submit(pool, as_submitter, *args, **kwargs)

    return carrying


def _presigning(roles: Roles, presign: Callable[..., str], action: str) -> Callable[..., str]:
    """A presigned URL is authorised by S3 against the role that signed it, when it is used:
    noted as that role's own call on the key."""

    def noted(archive: Any, key: str, *args: Any) -> str:
        function = roles.function()
        if function is not None:
            roles.note(function, [(action, f"s3/ArchiveBucket/{key}", "")])
        return presign(archive, key, *args)

    return noted


def _ticks(event: Any) -> bool:
    return isinstance(event, dict) and str(event.get("path", "")).endswith("/tick")


def _frames(frame: Any = None) -> Iterator[Any]:
    frame = frame or sys._getframe(2)
    while frame is not None:
        yield frame
        frame = frame.f_back


def _secret_read(caller: Any, inline: Any) -> str | None:
    """Which secret a read is of (None: the local stack's fallback of the trail key to the
    signing secret, which on AWS has a secret of its own)."""
    if any("trail_key_reader" in f.f_code.co_qualname for f in _frames(caller.f_back)):
        return None
    for reader, secret in (
        ("identity_key_reader", "IdentityKeySecret"),
        ("trail_key_reader", "TrailKeySecret"),
    ):
        if reader in caller.f_code.co_qualname:
            return secret
    settings = get_settings()
    return {id(getattr(settings, field)): s for field, s in _SECRETS.items()}.get(id(inline), "?")


_MISSING = {"NoSuchKey", "404", "NotFound"}


def as_aws_answers(
    function: str, service: str, operation: str, call: Any, client: Any, params: Any
) -> Any:
    """The call, answered as AWS answers the function's role where moto does not: a missing
    object read without ``s3:ListBucket`` on its bucket is 403 AccessDenied, not 404 — a
    GetObject carries no ``s3:prefix``, so only an unconditional grant counts (S3 user
    guide, GetObject "Permissions"; review 142: "gone" read as a crash on AWS alone)."""
    try:
        return call(client, operation, params)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        if (
            service == "s3"
            and operation in ("GetObject", "HeadObject")
            and code in _MISSING
            and not _granted(function, "s3:ListBucket", "s3/ArchiveBucket", "")
        ):
            denied = "AccessDenied" if operation == "GetObject" else "403"
            denial = {"Error": {"Code": denied, "Message": "Access Denied"}}
            raise ClientError(denial, operation) from None
        raise


@pytest.fixture
def roles_checked(monkeypatch: pytest.MonkeyPatch) -> Iterator[Roles]:
    roles = Roles()
    real_call = botocore.client.BaseClient._make_api_call

    def noted(self: Any, operation: str, params: dict[str, Any]) -> Any:
        function = roles.function()
        if function is not None:
            service = self.meta.service_model.service_name
            roles.note(function, needed(service, operation, params))
            return as_aws_answers(function, service, operation, real_call, self, params)
        return real_call(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", noted)
    for attribute, function in HANDLERS.items():
        monkeypatch.setattr(
            gateway_app, attribute, roles.running(function, getattr(gateway_app, attribute))
        )
    api_call = chalice.app.Chalice.__call__
    monkeypatch.setattr(
        chalice.app.Chalice,
        "__call__",
        lambda self, event, *a: roles.running("APIHandler", api_call, _ticks(event))(
            self, event, *a
        ),
    )
    real_read = secret_reads.read_secret

    def read(client: Any, inline: Any, arn: str | None) -> Any:
        function = roles.function()
        if function is not None:
            secret = _secret_read(sys._getframe(1), inline)
            if secret is not None:
                roles.note(function, [("secretsmanager:GetSecretValue", f"secret/{secret}", "")])
        return real_read(client, inline, arn)

    monkeypatch.setattr(secret_reads, "read_secret", read)
    monkeypatch.setattr(ThreadPoolExecutor, "submit", _carried(roles, ThreadPoolExecutor.submit))
    for method, action in (("presign_put", "s3:PutObject"), ("presign_get", "s3:GetObject")):
        presign = getattr(S3Archive, method)
        monkeypatch.setattr(S3Archive, method, _presigning(roles, presign, action))
    yield roles
    refused = "\n".join(f"{call} (from {where})" for call, where in sorted(roles.refused.items()))
    assert not refused, f"calls the function's role does not grant:\n{refused}"
