"""The intake without HTTP: detection, forced endpoints, secrets, dedup, retention, recovery."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from core.clock import FrozenClock
from core.config import ConfigManager
from core.domain.enums import SignalFamily
from core.events import EventBus
from core.signals.detect import detect_family
from core.signals.intake import RUNTIME, SIGNAL_LOG, WATERMARK_KEY, SignalIntake
from core.signals.model import AlertRejected, Outcome, V4Signal
from core.storage.store import Store
from tests.signals.payloads import (
    LEGACY_ENTRY,
    NOW,
    SPEC_SECRET,
    SYMBOLS,
    V3_ENTRY,
    V6_ENTRY,
    V6_ENTRY_JSON,
    V6_PULSE,
)


class Rig:
    """A real intake over a real store on disk, a frozen clock and a settings layer."""

    def __init__(self, root: Path, **store_kw: Any) -> None:
        self.config = ConfigManager()
        self.clock = FrozenClock(NOW)
        self.store = Store(root, durable=False, **store_kw)
        self.intake = self.make()

    def make(self) -> SignalIntake:
        return SignalIntake(lambda: self.config.settings, self.store, self.clock,
                            lambda: SYMBOLS, EventBus(), SPEC_SECRET)

    def post(self, body: dict[str, Any] | str, **kw: Any) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body) if isinstance(body, dict) else body
        response = self.intake.receive(data.encode(), **kw)
        return response.status, response.body

    def log(self) -> list[dict[str, Any]]:
        return list(self.store.scan(SIGNAL_LOG))


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    rig = Rig(tmp_path / "store")
    yield rig
    rig.store.close()


def q(secret: str = SPEC_SECRET) -> dict[str, Any]:
    return {"query_secret": secret}


@pytest.mark.parametrize(("body", "family"), [
    (json.dumps(LEGACY_ENTRY), SignalFamily.LEGACY),
    (json.dumps(V3_ENTRY), SignalFamily.V3),
    (json.dumps({**V3_ENTRY, "type": "ENTRY_V3"}), SignalFamily.V3),
    (json.dumps(V6_ENTRY_JSON), SignalFamily.V6),
    (json.dumps({**V6_ENTRY_JSON, "type": "bullish_entry"}), SignalFamily.V6),
    (V6_ENTRY, SignalFamily.V6),
    ("  " + V6_ENTRY.lower() + "\n", SignalFamily.V6),
    (json.dumps(json.dumps(LEGACY_ENTRY)), SignalFamily.LEGACY),  # a JSON string of JSON
])
def test_detection_relies_on_the_body(body: str, family: SignalFamily) -> None:
    assert detect_family(body.encode())[0] is family


@pytest.mark.parametrize("body", [b"", b"hello", b"[1, 2]", b'"just text"', b"{not json",
                                  b'{"type": "pulse"}', b'{"no_type": 1}', b"[" * 5000,
                                  b"9" * 5000, json.dumps(json.dumps("BULLISH_ENTRY")).encode()])
def test_unknown_bodies(body: bytes) -> None:
    with pytest.raises(AlertRejected) as caught:
        detect_family(body)
    assert caught.value.code == "UNKNOWN_FORMAT"


def test_non_utf8_body_is_malformed(rig: Rig) -> None:
    response = rig.intake.receive(b"\xff\xfe|junk")
    assert (response.status, response.body["reason"]) == (400, "MALFORMED")


@pytest.mark.parametrize(("forced", "body", "status", "reason"), [
    (SignalFamily.V3, V3_ENTRY, 200, None),
    (SignalFamily.V3, LEGACY_ENTRY, 400, "WRONG_FORMAT"),
    (SignalFamily.V3, V6_ENTRY, 400, "WRONG_FORMAT"),
    (SignalFamily.V3, "garbage", 400, "WRONG_FORMAT"),
    (SignalFamily.V6, V6_ENTRY, 200, None),
    (SignalFamily.V6, V6_ENTRY_JSON, 200, None),
    (SignalFamily.V6, V3_ENTRY, 400, "WRONG_FORMAT"),
    (SignalFamily.V6, "garbage|x", 400, "WRONG_FORMAT"),
])
def test_forced_endpoints(rig: Rig, forced: SignalFamily, body: Any, status: int,
                          reason: str | None) -> None:
    got_status, got = rig.post(body, forced=forced, **q())
    assert got_status == status and got.get("reason") == reason
    if reason:
        assert "this endpoint takes" in got["message"]


def test_secrets_never_reach_the_signal_log(rig: Rig) -> None:
    assert rig.post(V3_ENTRY)[0] == 200
    assert rig.post(V6_PULSE, **q())[0] == 200
    assert rig.post({**V6_ENTRY_JSON, "secret": "wrong"})[0] == 401
    assert rig.post(V6_ENTRY)[0] == 401  # pipe text can only carry the secret in the query
    text = json.dumps(rig.log())
    assert SPEC_SECRET not in text and "wrong" not in text
    assert [r["reason"] for r in rig.log()] == ["", "", "UNAUTHORIZED", "UNAUTHORIZED"]


def test_fail_closed_without_a_configured_secret(tmp_path: Path) -> None:
    rig = Rig(tmp_path / "s")
    intake = SignalIntake(lambda: rig.config.settings, rig.store, rig.clock, lambda: SYMBOLS,
                          EventBus(), None)
    assert intake.receive(V6_PULSE.encode(), query_secret="anything").status == 401
    rig.config.set("webhook.allow_unauthenticated", True)
    assert intake.receive(V6_PULSE.encode()).status == 200
    rig.store.close()


def test_a_switched_off_format_is_refused_with_the_fix(rig: Rig) -> None:
    rig.config.set("webhook.formats.v6", False)
    status, body = rig.post(V6_ENTRY, **q())
    assert (status, body["reason"]) == (400, "FORMAT_DISABLED")
    assert "/signals v6 on" in body["message"]
    assert rig.post(V3_ENTRY)[0] == 200


def test_duplicates_within_the_window_and_after_it(rig: Rig) -> None:
    first = rig.post(V6_ENTRY, **q())[1]
    assert rig.post(V6_ENTRY, **q())[1] == {"status": "duplicate", "of": first["signal_id"]}
    rig.clock.advance(299)
    assert rig.post(V6_ENTRY, **q())[1]["status"] == "duplicate"
    rig.clock.advance(2)
    assert rig.post(V6_ENTRY, **q())[1]["status"] == "accepted"
    assert [r["status"] for r in rig.log()] == ["queued", "duplicate", "duplicate", "queued"]
    assert rig.log()[1]["reason"] == "DUPLICATE" and rig.log()[1]["of"] == first["signal_id"]


def test_price_less_alerts_are_told_apart_by_content(rig: Rig) -> None:
    assert rig.post(V6_PULSE, **q())[1]["status"] == "accepted"
    assert rig.post(V6_PULSE.replace("|5|1|", "|2|3|"), **q())[1]["status"] == "accepted"
    assert rig.post(V6_PULSE, **q())[1]["status"] == "duplicate"
    assert rig.post("MOMENTUM_CHANGE|XAUUSD|60|22|MODERATE|18|WEAK|INCREASING", **q())[1][
        "status"] == "accepted"
    assert rig.post("STATE_CHANGE|XAUUSD|60|CHOPPY|TRENDING|3/3", **q())[1]["status"] == \
        "accepted"


def test_squeeze_notices_are_suppressed_per_symbol_and_timeframe(rig: Rig) -> None:
    squeeze = {"type": "squeeze_v3", "symbol": "EURUSD", "tf": "15", "secret": SPEC_SECRET}
    first = rig.post({**squeeze, "message": "one"})[1]
    again = rig.post({**squeeze, "message": "two", "price": 1.09})[1]
    assert again == {"status": "duplicate", "of": first["signal_id"]}
    assert "squeeze notice for EURUSD 15m" in rig.log()[-1]["detail"]
    assert rig.post({**squeeze, "tf": "60"})[1]["status"] == "accepted"
    rig.config.set("plugins.v3_combined.config.squeeze_dedupe_seconds", 60)
    rig.clock.advance(61)
    assert rig.post({**squeeze, "message": "three"})[1]["status"] == "accepted"


def test_warnings_are_logged(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        rig.post({**V3_ENTRY, "position_multiplier": 9})
    assert "clamped to 2" in caplog.text and SPEC_SECRET not in caplog.text


def test_the_queue_bound_answers_busy(rig: Rig) -> None:
    rig.config.set("webhook.queue_max", 2)
    statuses = [rig.post(V6_PULSE.replace("|5|1|", f"|{n}|0|"), **q())[0] for n in range(4)]
    assert statuses == [200, 200, 503, 503]
    assert rig.intake.stats.busy == 2 and rig.log()[-1]["reason"] == "QUEUE_FULL"


async def test_retention_is_bounded_and_a_pruned_record_does_not_stop_processing(
        tmp_path: Path) -> None:
    rig = Rig(tmp_path / "small", segment_records=5, max_segments=3)
    for n in range(40):
        rig.post(V6_PULSE.replace("|5|1|", f"|{n % 7}|0|").replace("60", ["60", "15"][n % 2]),
                 **q())
    assert rig.store.count(SIGNAL_LOG) <= 15  # 3 segments of 5: older ones are deleted
    assert len(list((tmp_path / "small" / "journals" / SIGNAL_LOG).glob("0*.json"))) <= 3

    async def processor(signal: V4Signal) -> Outcome:
        return Outcome("ignored", "NOT_TRADED")

    while not rig.intake.queue.empty():  # the oldest queued records were pruned: no crash
        signal, record_no, started = rig.intake.queue.get_nowait()
        await rig.intake.process_one(processor, signal, record_no, started)
    assert rig.intake.stats.processed == 14  # 2 of 16 distinct pulses
    rig.store.close()


async def test_recovery_requeues_only_unprocessed_alerts_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.signals.intake as intake_module

    # Mark after every signal and re-read nothing before the mark: the mark alone must do.
    monkeypatch.setattr(intake_module, "WATERMARK_EVERY", 1)
    monkeypatch.setattr(intake_module, "RECOVER_LOOKBACK", 0)
    rig = Rig(tmp_path / "s")
    seen: list[str] = []

    async def processor(signal: V4Signal) -> Outcome:
        seen.append(signal.signal_id)
        return Outcome("executed", "OK")

    ids = [rig.post(V6_PULSE.replace("|5|1|", f"|{n}|0|"), **q())[1]["signal_id"]
           for n in range(3)]
    signal, record_no, started = rig.intake.queue.get_nowait()
    await rig.intake.process_one(processor, signal, record_no, started)
    assert (rig.store.get(RUNTIME, WATERMARK_KEY) or {})["processed_upto"] == record_no
    restarted = rig.make()  # the process died with two alerts acknowledged, not processed
    assert restarted.recover() == 2
    while not restarted.queue.empty():
        await restarted.process_one(processor, *restarted.queue.get_nowait())
    assert seen == ids
    assert rig.make().recover() == 0  # and never again
    # the duplicate window survives the restart too (for what was read back)
    assert restarted.receive(V6_PULSE.replace("|5|1|", "|2|0|").encode(),
                             query_secret=SPEC_SECRET).body["status"] == "duplicate"
    rig.store.close()
