"""Once shipped, a catalogue key stays: listings, agreements, subscription filters and policies
are stored naming domains, kinds, schemes, grades and severities, and are read back through
the catalogue — a release that dropped one would leave what was stored under it unreadable
(review 367). ``data/shipped_catalogue_keys.json`` lists every key a release shipped; a new
key is added there when it ships, and none is ever taken out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gateway_client.contract import load_catalogue

SHIPPED = Path(__file__).parent / "data" / "shipped_catalogue_keys.json"


def shipped() -> dict[str, Any]:
    return dict(json.loads(SHIPPED.read_text(encoding="utf-8")))


def test_every_shipped_domain_is_still_there_with_every_kind_it_held() -> None:
    catalogue = load_catalogue()
    lost = {
        key: kinds
        for key, kinds in shipped()["domains"].items()
        if (domain := catalogue.domain(key)) is None
        or not set(kinds) <= {kind.value for kind in domain.kinds}
    }
    assert lost == {}, "a shipped domain (or a kind it held) is gone: listings name it"


def test_every_shipped_scheme_keeps_its_domain_and_grades() -> None:
    catalogue = load_catalogue()
    lost = {
        key: was
        for key, was in shipped()["schemes"].items()
        if (scheme := catalogue.scheme(key)) is None
        or scheme.domain != was["domain"]
        or not set(was["grades"]) <= set(scheme.grades)
    }
    assert lost == {}, "a shipped scheme (or its domain, or a grade) is gone: results name it"


def test_every_shipped_severity_is_still_there() -> None:
    now = {severity.key.value for severity in load_catalogue().severities}
    assert set(shipped()["severities"]) <= now


def test_a_new_key_is_recorded_as_shipped() -> None:
    """Without this, a key added later would not be guarded against being dropped again."""
    catalogue, was = load_catalogue(), shipped()
    unrecorded = (
        {d.key for d in catalogue.domains} - set(was["domains"]),
        {s.key for s in catalogue.schemes} - set(was["schemes"]),
    )
    assert unrecorded == (set(), set()), f"add to {SHIPPED.name}: {unrecorded}"
