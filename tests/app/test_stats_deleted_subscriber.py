"""A deleted subscription's deliveries stay in the owner's monthly feedback rate, under the
region they went to (review 250: the report named no region for it)."""

from __future__ import annotations

from app_support import CITY, HUNAN, hunan_recognises_city
from lifecycle_support import Lifecycle, fan_out_and_deliver, recent_entry, this_month


def test_a_deleted_subscriptions_feedback_rate_names_its_region(gateway, aws, stream, receiver):
    life = Lifecycle(gateway)
    gateway.put_region(HUNAN)
    made = gateway.subscribe_as_operator(region=HUNAN, url=receiver.url)
    assert made.status_code == 201, made.json_body
    sid = made.json_body["subscription_id"]
    hunan_recognises_city(gateway)
    city = gateway.register_platform(CITY)
    assert gateway.push(city, CITY, [recent_entry()]).json_body["accepted"] == 1
    fan_out_and_deliver(aws, stream)
    gone = gateway.client.http.delete(f"/v1/subscriptions/{sid}", headers=gateway.operator())
    assert gone.status_code == 200, gone.json_body

    [rate] = life.stats(CITY, this_month()).json_body["feedback"]

    assert (rate["subscription_id"], rate["subscriber_region"]) == (sid, HUNAN)
