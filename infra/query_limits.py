"""What the deployed stack sets for the one-stop query: the stack parameters behind its
settings (anonymous queries per address, lookups of one person and checks per region, days the
trail is kept) and API Gateway's throttle."""

from __future__ import annotations

from typing import Any

from chalicelib.settings import Settings


def _bounded(setting: str) -> dict[str, Any]:
    """A Number parameter defaulting and bounded as its setting is: a value the stack accepted
    but the functions refuse would deploy, then fail every invocation as it reads its settings."""
    field = Settings.model_fields[setting]
    bounds: dict[str, Any] = {"Type": "Number", "Default": field.default}
    for limit in field.metadata:
        if getattr(limit, "ge", None) is not None:
            bounds["MinValue"] = limit.ge
        if getattr(limit, "le", None) is not None:
            bounds["MaxValue"] = limit.le
    return bounds


def query_parameters() -> dict[str, Any]:
    return {
        "AnonymousQueriesPerMinute": {
            **_bounded("anonymous_queries_per_minute"),
            "Description": "anonymous one-stop queries a client address may make a minute",
        },
        "PersonalLookupsPerMinute": {
            **_bounded("personal_lookups_per_minute"),
            "Description": "signed lookups of one person (a person's code, a responsible "
            "person's number) a region may make a minute; each is in the trail, found or not",
        },
        "TriesPerMaskedNumberPerDay": {
            **_bounded("tries_per_masked_number_per_day"),
            "Description": "natural persons' codes a region may ask at one masked number "
            "(same area, same check digit) a Beijing day, over every lookup route and the batch "
            "and bulk checks: what bounds completing a number it was shown masked",
        },
        "ChecksPerMinute": {
            **_bounded("checks_per_minute"),
            "Description": "batch checks (up to 1,000 codes each) a region may run a minute",
        },
        "QueryTrailDays": {
            **_bounded("query_trail_days"),
            "Description": "days a query-trail entry is kept before its TTL removes it",
        },
        "ApiThrottleRate": {
            "Type": "Number",
            "Default": 500,
            "MinValue": 1,
            "Description": "API Gateway's ceiling on requests a second to the whole API, all "
            "callers (a flood is refused at the edge, not run into the account's Lambda "
            "concurrency that fan-out and delivery share)",
        },
        "ApiThrottleBurst": {
            "Type": "Number",
            "Default": 1000,
            "MinValue": 1,
            "Description": "the burst API Gateway admits above ApiThrottleRate",
        },
        "QueryThrottleRate": {
            "Type": "Number",
            "Default": 50,
            "MinValue": 1,
            "Description": "API Gateway's ceiling on one-stop queries a second, all callers",
        },
    }


def query_throttle() -> list[dict[str, Any]]:
    """API Gateway's stage throttles: every route together (``ApiThrottleRate``: pushes,
    uploads, checks and the log share the account's Lambda concurrency with fan-out and
    delivery, so a flood must stop at the edge), and the query route below that (all callers
    together: API Gateway throttles per stage and method, or per API key, never per address;
    the per-address limit is the app's, and a WAF rate-based rule would add one at the edge)."""
    return [
        {
            "HttpMethod": "*",
            "ResourcePath": "/*",
            "ThrottlingRateLimit": {"Ref": "ApiThrottleRate"},
            "ThrottlingBurstLimit": {"Ref": "ApiThrottleBurst"},
        },
        {
            "HttpMethod": "GET",
            "ResourcePath": "/~1v1~1subjects~1{credit_code}",
            "ThrottlingRateLimit": {"Ref": "QueryThrottleRate"},
            "ThrottlingBurstLimit": 100,
        },
    ]
