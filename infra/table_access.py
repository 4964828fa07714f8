"""What each function may do with each table: the DynamoDB half of its least-privilege policy.

Only the lifecycle function deletes from the exchange log (a purge erases the listing's logged
bodies); the API and fan-out append to it and count there, so neither can erase the log. Only
it deletes listings too (the purge): a listing deleted reaches every subscriber as a ``purged``
tombstone, so no other function — least of all the one that posts to outside endpoints — may.
"""

from __future__ import annotations

from typing import Any

READ = [
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
]
WRITE = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
]
# Which tables each function reads (r), reads and appends to (ra: new items only, never an
# update or a delete: the query trail), reads and writes but never deletes (rn), reads and
# writes (rw), or only adds to counters (c); of the deliveries table, reads and writes the
# pages that list queued deliveries and the recognitions of those too large for a message
# (rp), or only writes those (p): see PAGE_KEYS.
MODES = {
    "c": ["dynamodb:UpdateItem"],  # counters only: see COUNTER_KEYS
    "p": ["dynamodb:BatchWriteItem", "dynamodb:PutItem"],  # pages only: see PAGE_KEYS
    "r": READ,
    "ra": [*READ, "dynamodb:PutItem"],
    "rn": [*READ, "dynamodb:PutItem", "dynamodb:UpdateItem"],
    "k": ["dynamodb:PutItem", "dynamodb:UpdateItem"],  # keyed: see INGEST_KEYS
    "rw": READ + WRITE,
}
TABLES: dict[str, dict[str, str]] = {
    "APIHandler": {
        "RegistryTable": "rw",
        "BatchesTable": "rw",
        "ListingsTable": "rn",
        "SubscriptionsTable": "rw",
        "AgreementsTable": "rw",
        "ReevaluationsTable": "rn",  # written with each agreement revision (the outbox)
        "DeliveriesTable": "rw",
        "FeedbackTable": "rw",
        # appends (the stream re-drive) and per-subscription counters (replays, re-drives)
        "ExchangeLogTable": "rn",
        "UploadsTable": "rw",
        "QueryTrailTable": "ra",
        # the person query reads it; the stream re-drive runs fan-out, which keeps it
        "PersonsTable": "rw",
    },
    "FanOutChanges": {
        "ListingsTable": "r",
        "SubscriptionsTable": "r",
        "AgreementsTable": "r",
        "ExchangeLogTable": "rn",  # appends and per-subscription counters
        "PersonsTable": "rw",  # the person index, kept from the stream (gateway.persons)
        # who was delivered a listing hears how it is decided; what it queues gets its page
        "DeliveriesTable": "rp",
        "BatchesTable": "c",  # hourly activity: fan-out lag; monthly statistics from the stream
        "FeedbackTable": "rw",  # a purge's tombstone erases its listing's feedback again
        # an objection notice goes to whoever acts for the owner: the relay policies above it
        "RegistryTable": "r",
    },
    # An acknowledged objection notice is recorded on the listing (the owner's deadline).
    "DeliverWebhooks": {
        # an attempt shows ID numbers in full only where its region still recognises the
        # listing today: the agreements and the listing are read (gateway.delivery.withholding)
        "AgreementsTable": "r",
        "SubscriptionsTable": "rn",  # failing, disabled: never deleted (the API's DELETE)
        "DeliveriesTable": "rw",
        "ListingsTable": "rn",
        "BatchesTable": "c",  # hourly activity: delivery outcomes; monthly: deliveries made
        "ExchangeLogTable": "r",  # whether a queued delivery's listing was purged since
        # whether a notice's receiver still acts for the owner (its relay policy of today)
        "RegistryTable": "r",
    },
    # A purge erases the listing's logged bodies, feedback and person index entries, and blanks
    # the answers its delivery records kept, before it deletes the listing.
    "LifecycleTick": {
        "AgreementsTable": "r",  # agreements beginning or ending today are re-evaluated
        "RegistryTable": "r",  # the owner's policy for a broken commitment due (commitments)
        "ReevaluationsTable": "rn",
        "ListingsTable": "rw",
        "ExchangeLogTable": "rw",
        "FeedbackTable": "rw",
        "PersonsTable": "rw",
        "DeliveriesTable": "rn",
        # which bulk checks' result files answered with the listing; their uploads withdrawn
        "QueryTrailTable": "r",
        "UploadsTable": "rw",
        "BatchesTable": "s",  # the present's statistics counters fallen to 0: see PRESENT
    },
    # A bulk check reads listings and agreements, appends to the trail, counts usage, and
    # pins its signed report to the log's published checkpoint.
    "IngestUploads": {
        "RegistryTable": "r",  # each run goes by its region's rules as they are now (relays)
        "ListingsTable": "rn",
        "ExchangeLogTable": "r",
        "UploadsTable": "rw",
        "AgreementsTable": "r",
        "QueryTrailTable": "ra",
        "BatchesTable": "rk",  # its counters only (INGEST_KEYS)
        "PersonsTable": "r",  # a person checked: the listings naming them (gateway.checks.named)
    },
    # Agreement re-evaluation jobs: the source index and subjects read, compared under the
    # region's agreements as they are now, the job's place saved.
    "ReevaluateAgreements": {
        "AgreementsTable": "r",
        "ListingsTable": "r",
        "SubscriptionsTable": "r",
        "ReevaluationsTable": "rn",
        # what it queues gets its page; a listing whose recognition ends is told also to
        # whoever was delivered it (its receipts: the records, the log's change ids)
        "DeliveriesTable": "rp",
        "ExchangeLogTable": "r",
    },
}


# A function that only counts (mode "c") updates the hourly activity items and the monthly
# statistics counters (with their once-only markers) and nothing else in the batches table,
# which also holds nonces, the push ledger and console sessions: the function that posts to
# outside endpoints must not be able to write a session for anyone.
COUNTER_KEYS = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["activity#*", "stats#*"]}}
# A function that queues deliveries writes their pages (``chalicelib.dynamodb.delivery_pages``)
# and the recognitions of those too large for a queue message (``SharedRecognitions``: no
# personal data, and read back only under their digest) and, unless its mode says more, no
# delivery record.
PAGE_KEYS = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["page#*", "recognition#*"]}}
# The ingest (mode "rk": reads, and writes of these keys) counts a bulk check's usage, the
# tries at masked numbers, the hour's pushed lines and a completed upload's month of pushes:
# the function that parses uploaded files must not be able to write a console session, a nonce
# or the push ledger either (review 142).
INGEST_KEYS = {
    "ForAllValues:StringLike": {
        "dynamodb:LeadingKeys": [
            "usage#*",
            "tries#*",
            "tries-once#*",
            "activity#*",
            "stats#????-??#*",  # a month's counters: not the markers, runs or the present
        ]
    }
}
# The tick (mode "s") reads the statistics counters through their index, which holds nothing
# else, and removes from the present's items (``stats#now#<region>``) the counters fallen to 0
# (``DynamoStatistics.drop_zeros``); nothing more of the batches table.
PRESENT = {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["stats#now#*"]}}
_STATS_INDEX = "by_stats_bucket"
_CONDITIONS = {"c": COUNTER_KEYS, "p": PAGE_KEYS, "k": INGEST_KEYS}
_PARTS = {"rp": ["r", "p"], "rk": ["r", "k"]}


def table_statements(function: str) -> list[dict[str, Any]]:
    """One statement per table the function uses (two for ``rp``, ``rk`` and ``s``),
    covering its indexes."""
    present = [table for table, mode in TABLES[function].items() if mode == "s"]
    return [statement for table in present for statement in _present_counters(table)] + [
        {
            "Effect": "Allow",
            "Action": MODES[part],
            "Resource": [
                {"Fn::GetAtt": [table, "Arn"]},
                {"Fn::Sub": "${" + table + ".Arn}/index/*"},
            ],
            **({"Condition": _CONDITIONS[part]} if part in _CONDITIONS else {}),
        }
        for table, mode in TABLES[function].items()
        if mode != "s"
        for part in _PARTS.get(mode, [mode])
    ]


def _present_counters(table: str) -> list[dict[str, Any]]:
    """Mode ``s``: the statistics index queried, the present's counter items updated."""
    index = {"Fn::Sub": "${" + table + ".Arn}/index/" + _STATS_INDEX}
    return [
        {"Effect": "Allow", "Action": ["dynamodb:Query"], "Resource": [index]},
        {
            "Effect": "Allow",
            "Action": ["dynamodb:UpdateItem"],
            "Resource": [{"Fn::GetAtt": [table, "Arn"]}],
            "Condition": PRESENT,
        },
    ]
