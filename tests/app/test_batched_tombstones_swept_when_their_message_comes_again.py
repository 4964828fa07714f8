"""A batch of purge tombstones held back while the endpoint was off, a declining enable landing
meanwhile, and the held batch's own sweep cut short: its message comes again, and the sweep
then sends the tombstone lines — judged one by one from their records, not as the batch from
its file, which is gone by then (review 322: declined whole, they were never sent)."""

from __future__ import annotations

from typing import Any

import pytest
from delivery_support import as_operator
from test_batched_tombstones_held_during_a_declining_enable import tombstones_held_off

from gateway.delivery.holding_back import HeldBack

PROVINCE = "230000"
SECOND_PERSON = "11010519491230034X"


def _tombstones(hook: Any) -> list[str]:
    return [r.body.decode() for r in hook.requests if '"purged"' in r.body.decode()]


@pytest.mark.parametrize("mode", ["batched"])
def test_tombstone_lines_of_a_held_batch_whose_sweep_was_cut_short_are_sent(
    gateway: Any,
    aws: Any,
    stream: Any,
    queue: Any,
    hook: Any,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    path, body = tombstones_held_off(gateway, aws, stream, queue, hook, mode)

    hold = HeldBack.hold
    sweep = HeldBack.sweep
    done: list[int] = []
    cut: list[int] = []
    again: list[Any] = []

    def racing(self: HeldBack, delivery: Any, held: Any, now: Any, time_left: Any) -> Any:
        if not done:  # the operator enables, declining, while this is held back
            done.append(1)
            enabled = as_operator(gateway, "post", f"{path}/enable", body)
            assert enabled.status_code == 200, enabled.json_body
        return hold(self, delivery, held, now, time_left)

    def short(self: HeldBack, delivery: Any, named: Any, why: Any, time_left: Any) -> Any:
        if not cut:  # the held batch's own sweep finds too little of its invocation left
            cut.append(1)
            return sweep(self, delivery, named, why, 1.0)
        return sweep(self, delivery, named, why, time_left)

    came = HeldBack.came_again

    def seen(self: HeldBack, *args: Any) -> Any:
        result = came(self, *args)
        again.append(result)
        return result

    monkeypatch.setattr(HeldBack, "hold", racing)
    monkeypatch.setattr(HeldBack, "sweep", short)
    monkeypatch.setattr(HeldBack, "came_again", seen)
    queue.run()
    assert done, "nothing was held back"
    assert cut, "its sweep was not cut short"
    for _ in range(3):
        queue.run()
    assert again, "the held batch's message never came again"
    assert as_operator(gateway, "post", f"{path}/pause").status_code == 200
    assert as_operator(gateway, "post", f"{path}/resume").status_code == 200
    for _ in range(2):
        queue.run()

    assert len(_tombstones(hook)) >= 1, (
        "the purge tombstones of a held batch whose sweep was cut short were never sent "
        f"(came_again answered {again}); dead: "
        f"{as_operator(gateway, 'get', f'{path}/deliveries?state=dead').json_body}"
    )
