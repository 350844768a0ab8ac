"""Webhook intake: authenticate, parse, validate, de-duplicate, persist, enqueue, acknowledge."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import SignalFamily
from core.domain.symbols import SymbolSpec
from core.events import AlertProcessed, Event, EventBus
from core.signals.detect import decode, detect
from core.signals.legacy import parse_legacy
from core.signals.model import AlertRejected, Outcome, V4Signal
from core.signals.redact import redacted_excerpt, safe_raw
from core.signals.v3 import parse_v3
from core.signals.v6 import parse_v6
from core.storage.group_commit import GroupCommit, Staged
from core.storage.store import Store

log = logging.getLogger(__name__)
SIGNAL_LOG = "signals"
RUNTIME = "runtime"
WATERMARK_KEY = "intake"
WATERMARK_EVERY = 256  # processed signals between two watermark writes while busy
RECOVER_LOOKBACK = 5000  # records re-read at start-up for the duplicate window
Parser = Callable[[Any, Mapping[str, SymbolSpec], datetime, str], V4Signal]
Processor = Callable[[V4Signal], Awaitable[Outcome]]
PARSERS: dict[SignalFamily, Parser] = {
    SignalFamily.LEGACY: parse_legacy, SignalFamily.V3: parse_v3, SignalFamily.V6: parse_v6,
}
ENDPOINT_TAKES = {
    SignalFamily.V3: "V3 JSON alerts (type entry_v3, exit_v3, squeeze_v3 or trend_pulse_v3)",
    SignalFamily.V6: "V6 alerts: pipe text starting with a V6 type (BULLISH_ENTRY|...) or "
                     "V6 JSON",
}


@dataclass(frozen=True, slots=True)
class AlertRefused(Event):
    """An alert the webhook refused (HTTP 4xx: malformed, unknown symbol, wrong secret...).
    It never carries the secret: only a short, redacted excerpt of the body."""

    status: int
    reason: str
    message: str
    family: str | None
    peer: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class IntakeResponse:
    status: int
    body: dict[str, Any]


@dataclass(slots=True)
class _Alert:
    """A screened alert: its record and answer, or the signal to decide when it is staged."""

    now: datetime
    peer: str
    family: SignalFamily | None
    raw: str
    started: float
    response: IntakeResponse | None = None
    record: dict[str, Any] | None = None
    signal: V4Signal | None = None


@dataclass
class IntakeStats:
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    unauthorized: int = 0
    processed: int = 0
    errors: int = 0
    busy: int = 0
    last_alert_at: datetime | None = None
    by_outcome: Counter[str] = field(default_factory=Counter)
    by_family: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)


class SignalIntake:
    """Turns HTTP bodies into durable, queued signals and feeds them to the processor."""

    def __init__(self, settings: Callable[[], Settings], store: Store, clock: Clock,
                 symbols: Callable[[], Mapping[str, SymbolSpec]], bus: EventBus,
                 secret: str | None) -> None:
        self._settings = settings
        self._store = store
        self._clock = clock
        self._symbols = symbols
        self._bus = bus
        self._secret = secret.encode("utf-8") if secret is not None else None
        self.parsers: dict[SignalFamily, Parser] = dict(PARSERS)
        self.queue: asyncio.Queue[tuple[V4Signal, int, float]] = asyncio.Queue()
        self.stats = IntakeStats()
        self.accepting = True
        # Dedup keys in arrival order (re-inserted on reuse), so expiry pops from the front.
        self._recent: dict[str, tuple[str, datetime]] = {}
        self._squeezes: dict[str, tuple[str, datetime]] = {}
        self._since_mark = 0
        self._mark_no = 0
        self._symbols_of: Settings | None = None
        self._known: Mapping[str, SymbolSpec] = {}
        self._staged = 0  # accepted alerts whose write is in flight: they count toward the bound
        self._commit = GroupCommit(store, SIGNAL_LOG)

    # -- the acknowledgement path (must stay fast: TradingView gives up after 3 s) ----------
    def authenticate(self, payload_secret: Any, query_secret: str | None) -> bool:
        if self._secret is None:
            return bool(self._settings().webhook.allow_unauthenticated)
        offered = payload_secret if isinstance(payload_secret, str) else query_secret
        if not offered:
            return False
        return hmac.compare_digest(offered.encode("utf-8"), self._secret)

    def receive(self, body: bytes, *, query_secret: str | None = None, peer: str = "",
                forced: SignalFamily | None = None) -> IntakeResponse:
        """Synchronous intake (replay, tests): the alert is on disk when this returns."""
        alert = self._screen(body, query_secret, peer, forced)
        if isinstance(alert, IntakeResponse):
            return alert
        self._commit.append_now(lambda: self._stage(alert))
        assert alert.response is not None
        return alert.response

    async def receive_async(self, body: bytes, *, query_secret: str | None = None,
                            peer: str = "", forced: SignalFamily | None = None) -> IntakeResponse:
        """The webhook's intake: alerts arriving while the signal log is being written share
        the next write (group commit); each answer still waits until its record is on disk."""
        alert = self._screen(body, query_secret, peer, forced)
        if isinstance(alert, IntakeResponse):
            return alert
        await self._commit.append(lambda: self._stage(alert))
        assert alert.response is not None
        return alert.response

    def _screen(self, body: bytes, query_secret: str | None, peer: str,
                forced: SignalFamily | None) -> IntakeResponse | _Alert:
        """Everything decided on arrival: size, format, secret, endpoint, parsing."""
        started = time.perf_counter()
        settings = self._settings()
        now = self._clock.now()
        if not self.accepting:
            self.stats.busy += 1
            return IntakeResponse(503, {"status": "busy", "reason": "SHUTTING_DOWN"})
        if len(body) > settings.webhook.max_body_bytes:
            self.stats.rejected += 1
            self._refused(413, "TOO_LARGE", f"the body has {len(body)} bytes; the limit is "
                          f"{settings.webhook.max_body_bytes}", None, peer, safe_raw(body))
            return IntakeResponse(413, {"status": "rejected", "reason": "TOO_LARGE"})
        try:
            text, decoded = decode(body)
            family, payload = detect(text, decoded)
        except AlertRejected as exc:
            if forced is not None and exc.code == "UNKNOWN_FORMAT":
                exc = AlertRejected("WRONG_FORMAT", f"this endpoint takes "
                                    f"{ENDPOINT_TAKES[forced]}; {exc.message}")
            return self._reject(_Alert(now, peer, None, safe_raw(body), started), exc)
        payload_secret = payload.pop("secret", None) if isinstance(payload, dict) else None
        raw = text if payload_secret is None else json.dumps(payload, ensure_ascii=False)
        alert = _Alert(now, peer, family, raw, started)
        if not self.authenticate(payload_secret, query_secret):
            self.stats.unauthorized += 1
            log.warning("webhook: alert from %s refused: %s", peer or "?",
                        "no secret configured (fail closed)" if self._secret is None
                        else "missing or wrong secret")
            alert.record = self._record(alert, None, "rejected", "UNAUTHORIZED")
            alert.response = IntakeResponse(401, {"status": "unauthorized"})
            self._refused(401, "UNAUTHORIZED", "missing or wrong secret" if self._secret
                          else "no secret configured (fail closed)", family.value, peer, raw)
            return alert
        if forced is not None and forced is not family:
            return self._reject(alert, AlertRejected(
                "WRONG_FORMAT", f"this endpoint takes {ENDPOINT_TAKES[forced]}, got a "
                f"{family.value} alert; post it to /webhook instead"))
        if not getattr(settings.webhook.formats, family.value.lower()):
            return self._reject(alert, AlertRejected(
                "FORMAT_DISABLED", f"{family.value} alerts are switched off; an operator can "
                f"switch them on with /signals {family.value.lower()} on"))
        if settings is not self._symbols_of:  # a settings change is a new object
            self._symbols_of, self._known = settings, self._symbols()
        try:
            alert.signal = self.parsers[family](payload, self._known, now, raw)
        except AlertRejected as exc:
            return self._reject(alert, exc)
        self.stats.last_alert_at = now
        for warning in alert.signal.extras.get("warnings") or ():
            log.warning("alert %s %s %s: %s", family.value, alert.signal.symbol,
                        alert.signal.timeframe, warning)
        return alert

    def _stage(self, alert: _Alert) -> Staged:
        """Decide a parsed signal just before its record is written (on the loop, in arrival
        order): it sees every alert accepted before it, in earlier writes or earlier in this
        one, so two identical alerts in one write are an original and its duplicate."""
        signal = alert.signal
        if signal is None:
            assert alert.record is not None
            return Staged(alert.record)
        settings = self._settings()
        duplicate = self._duplicate_of(signal, settings)
        if duplicate is not None:
            original, detail = duplicate
            self.stats.duplicates += 1
            alert.response = IntakeResponse(200, {"status": "duplicate", "of": original})
            return Staged(self._record(alert, signal, "duplicate", "DUPLICATE", of=original,
                                       detail=detail))
        if self.queue.qsize() + self._staged >= settings.webhook.queue_max:
            self.stats.busy += 1
            alert.response = IntakeResponse(503, {"status": "busy"})
            return Staged(self._record(alert, signal, "rejected", "QUEUE_FULL"))
        self._remember(signal)
        self._staged += 1
        alert.response = IntakeResponse(200, {"status": "accepted", "signal_id": signal.signal_id})

        def done(record_no: int) -> None:
            self._staged -= 1
            self.queue.put_nowait((signal, record_no, alert.started))
            self.stats.accepted += 1
            self.stats.by_family[signal.source_format.value] += 1

        def failed() -> None:  # never acknowledged: a retry must not count as a duplicate
            self._staged -= 1
            self._forget(signal)

        return Staged(self._record(alert, signal, "queued", ""), done, failed)

    def _reject(self, alert: _Alert, exc: AlertRejected) -> _Alert:
        self.stats.rejected += 1
        self.stats.by_reason[exc.code] += 1
        log.info("webhook: alert rejected %s: %s", exc.code, exc.message)
        alert.record = self._record(alert, None, "rejected", exc.code, detail=exc.message)
        alert.response = IntakeResponse(exc.status, {"status": "rejected", "reason": exc.code,
                                                     "message": exc.message})
        self._refused(exc.status, exc.code, exc.message,
                      alert.family.value if alert.family else None, alert.peer, alert.raw)
        return alert

    def _refused(self, status: int, reason: str, message: str, family: str | None, peer: str,
                 raw: str) -> None:
        """Announce a refused alert (the notification center turns it into `alert_rejected`
        or `webhook_auth_failed`); the bus never blocks the acknowledgement."""
        self._bus.publish(AlertRefused(status, reason, message[:300], family, peer,
                                       redacted_excerpt(raw, self._secret)))

    def _duplicate_of(self, signal: V4Signal, settings: Settings) -> tuple[str, str] | None:
        """SPEC §2.5.4: the same alert within the window; a squeeze notice per symbol+tf."""
        now = signal.received_at
        _expire(self._recent, now - timedelta(seconds=settings.webhook.duplicate_window_seconds))
        hit = self._recent.get(signal.dedup_key())
        if hit is not None:
            return hit[0], "same alert already accepted within the duplicate window"
        if signal.extras.get("alert_type") == "squeeze_v3":
            window = settings.plugins.v3_combined.config.squeeze_dedupe_seconds
            _expire(self._squeezes, now - timedelta(seconds=window))
            hit = self._squeezes.get(_squeeze_key(signal))
            if hit is not None:
                return hit[0], (f"squeeze notice for {signal.symbol} {signal.timeframe} already "
                                f"sent in the last {window} s")
        return None

    def _remember(self, signal: V4Signal) -> None:
        entry = (signal.signal_id, signal.received_at)
        key = signal.dedup_key()
        self._recent.pop(key, None)
        self._recent[key] = entry
        if signal.extras.get("alert_type") == "squeeze_v3":
            self._squeezes.pop(_squeeze_key(signal), None)
            self._squeezes[_squeeze_key(signal)] = entry

    def _forget(self, signal: V4Signal) -> None:
        """Undo `_remember` (accepted: no live entry was there before, removing it is enough)."""
        for recent, key in ((self._recent, signal.dedup_key()),
                            (self._squeezes, _squeeze_key(signal))):
            entry = recent.get(key)
            if entry is not None and entry[0] == signal.signal_id:
                del recent[key]

    @staticmethod
    def _record(alert: _Alert, signal: V4Signal | None, status: str, reason: str,
                **extra: Any) -> dict[str, Any]:
        return {
            "received_at": alert.now.isoformat(), "source": alert.peer,
            "format": alert.family.value if alert.family else None, "raw": alert.raw[:4000],
            "signal": signal.as_dict() if signal else None, "status": status,
            "outcome": status if status != "queued" else None, "reason": reason, **extra,
        }

    # -- after a restart ----------------------------------------------------------------
    def recover(self) -> int:
        """Re-queue alerts acknowledged but not processed before a crash (once each), and
        re-arm duplicate suppression from the recent log."""
        newest = self._store.tail(SIGNAL_LOG, 1)
        if not newest:
            return 0
        mark = (self._store.get(RUNTIME, WATERMARK_KEY) or {}).get("processed_upto", 0)
        start = min(int(mark), max(int(newest[0]["_no"]) - RECOVER_LOOKBACK, 0))
        horizon = self._clock.now() - timedelta(
            seconds=self._settings().webhook.duplicate_window_seconds)
        requeued = 0
        for record in self._store.scan(SIGNAL_LOG, since_record=start):
            signal_data = record.get("signal")
            if signal_data is None or record.get("status") not in ("queued", "processed"):
                continue
            signal = V4Signal.from_dict(signal_data, raw=record.get("raw", ""))
            if signal.received_at >= horizon:
                self._remember(signal)
            if record.get("status") == "queued":
                self.queue.put_nowait((signal, int(record["_no"]), time.perf_counter()))
                requeued += 1
        if requeued:
            log.warning("intake: %d acknowledged alert(s) re-queued after restart", requeued)
        return requeued

    # -- processing -----------------------------------------------------------------------
    async def run(self, processor: Processor) -> None:
        while True:
            signal, record_no, started = await self.queue.get()
            try:
                await self.process_one(processor, signal, record_no, started)
            finally:
                self.queue.task_done()

    async def process_one(self, processor: Processor, signal: V4Signal, record_no: int,
                          started: float) -> Outcome:
        try:
            outcome = await processor(signal)
        except Exception as exc:  # one bad signal must not stop the intake
            log.exception("processing signal %s failed", signal.signal_id)
            self.stats.errors += 1
            outcome = Outcome("error", "PROCESSING_ERROR", f"{type(exc).__name__}: {exc}")
        latency_ms = round((time.perf_counter() - started) * 1000, 3)
        self.stats.processed += 1
        self.stats.by_outcome[outcome.outcome] += 1
        try:
            self._store.update_entry(
                SIGNAL_LOG, record_no, status="processed", outcome=outcome.outcome,
                reason=outcome.reason, detail=outcome.detail, latency_ms=latency_ms,
                decisions=[d.as_dict() for d in outcome.decisions])
        except KeyError:  # pruned by retention while queued: the outcome is still published
            log.warning("signal %s: log record %d no longer retained", signal.signal_id,
                        record_no)
        self._since_mark += 1
        if self._since_mark >= WATERMARK_EVERY or (
                self.queue.qsize() == 0 and record_no - self._mark_no > RECOVER_LOOKBACK // 2):
            # Everything queued up to here is processed (one worker, FIFO, numbers ascending):
            # the next start-up reads the log from this record instead of from the beginning.
            self._store.put(RUNTIME, WATERMARK_KEY, {"processed_upto": record_no})
            self._since_mark, self._mark_no = 0, record_no
        self._bus.publish(AlertProcessed(
            signal_id=signal.signal_id, family=signal.source_format.value,
            summary=describe(signal), outcome=outcome.outcome, reason=outcome.reason))
        return outcome


def describe(signal: V4Signal) -> str:
    return (f"{signal.signal_type} {signal.symbol} {signal.timeframe}"
            + (f" @ {signal.price}" if signal.price is not None else ""))


def _squeeze_key(signal: V4Signal) -> str:
    return f"{signal.symbol}|{signal.timeframe}"


def _expire(recent: dict[str, tuple[str, datetime]], horizon: datetime) -> None:
    while recent:
        key = next(iter(recent))
        if recent[key][1] >= horizon:
            return
        del recent[key]
