"""A console session is shown no ID number in the fields a platform wrote, and every other field
as it is: a digest whose hex holds the digits of a valid number (one file in about 10^5) is the
file's digest, not one with a part starred (review 373)."""

from __future__ import annotations

from chalicelib.console_masking import UPLOAD_TEXT, _masked

NUMBER = "11010519491231002X"  # a valid resident ID number


def test_only_the_named_fields_are_masked_at_any_depth() -> None:
    digest = "ab420281199503150210" + "c" * 44  # a valid number's digits, between letters
    view = {
        "upload": {
            "manifest": {"upload_id": f"chk-{NUMBER}", "sha256": digest},
            "errors": [{"line": 1, "message": f"{NUMBER} is not…", "code": "x"}],
        },
        "put": {"headers": {"x-amz-checksum-sha256": NUMBER}},
    }

    shown = _masked(view, UPLOAD_TEXT)

    assert shown["upload"]["manifest"] == {"upload_id": "chk-110105***********X", "sha256": digest}
    assert shown["upload"]["errors"][0]["message"] == "110105***********X is not…"
    assert shown["put"] == view["put"]
    assert _masked(digest, UPLOAD_TEXT, named=True) != digest  # masked, were it a named field
