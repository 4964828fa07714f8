"""Each entry of a batch is judged first as if sent alone — whose the listing is, whether it
was erased, what is held — and only then against the batch's newest entry (review 370): for a
listing held at version v with content X, a push (or an upload) of v with other content Y and
then of v with X again answers Y ``version_reused`` and X ``duplicate``, in either order, as
sent one after another; every entry of another region's listing is ``not_listing_owner``."""

from __future__ import annotations

from app_support import CITY, HUNAN, Gateway
from lifecycle_support import recent_entry, stamp
from upload_support import uploaded


def test_the_held_content_again_is_a_duplicate_after_a_reused_entry_in_one_push(
    gateway: Gateway,
) -> None:
    city = gateway.register_platform(CITY)
    held = recent_entry(source_updated_at=stamp(-600))
    assert gateway.push(city, CITY, [held]).json_body["accepted"] == 1
    other = {**held, "reason": "同一版本的另一内容"}

    reply = gateway.push(city, CITY, [other, dict(held)]).json_body

    codes = [(e["index"], e["code"]) for e in reply["errors"]]
    assert codes == [(0, "version_reused")], reply
    assert [(o["index"], o["outcome"]) for o in reply["outcomes"]] == [(1, "duplicate")], reply
    assert (reply["duplicate"], reply["rejected"]) == (1, 1), reply


def test_the_held_content_again_is_a_duplicate_after_a_reused_line_in_one_upload(
    gateway: Gateway, aws: object
) -> None:
    city = gateway.register_platform(CITY)
    held = recent_entry(source_updated_at=stamp(-600))
    assert gateway.push(city, CITY, [held]).json_body["accepted"] == 1
    other = {**held, "reason": "同一版本的另一内容"}

    upload_id = uploaded(gateway, aws, city, [other, dict(held)])

    view = gateway.send_signed("GET", f"/v1/regions/{CITY}/uploads/{upload_id}", city)
    upload = view.json_body["upload"]
    assert [(e["line"], e["code"]) for e in upload["errors"]] == [(1, "version_reused")], upload
    assert (upload["duplicate"], upload["rejected"]) == (1, 1), upload


def test_every_entry_of_another_regions_listing_is_not_listing_owner(gateway: Gateway) -> None:
    """README: "an entry (newer, same or older version) … for a listing another region owns:
    per-entry error ``not_listing_owner``", the second at the first's version too."""
    city = gateway.register_platform(CITY)
    hunan = gateway.register_platform(HUNAN)
    held = recent_entry(source_updated_at=stamp(-600))
    assert gateway.push(city, CITY, [held]).json_body["accepted"] == 1
    one = {**held, "reason": "湖南的版本一", "source_updated_at": stamp(-60)}
    two = {**one, "reason": "湖南的版本二"}

    reply = gateway.push(hunan, HUNAN, [one, two]).json_body

    codes = [(e["index"], e["code"]) for e in reply["errors"]]
    assert codes == [(0, "not_listing_owner"), (1, "not_listing_owner")], reply
