"""Webhook intake: authenticate, parse, validate, de-duplicate, persist, enqueue, acknowledge."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.clock import Clock
from core.config.settings import Settings
from core.domain.enums import SignalFamily
from core.domain.symbols import SymbolSpec
from core.events import AlertProcessed, EventBus
from core.signals.legacy import LEGACY_TYPES, parse_legacy
from core.signals.model import AlertRejected, Outcome, V4Signal
from core.storage.store import Store

log = logging.getLogger(__name__)
SIGNAL_LOG = "signals"
V3_TYPES = ("entry_v3", "exit_v3", "squeeze_v3", "trend_pulse_v3")
V6_TYPES = (
    "BULLISH_ENTRY", "BEARISH_ENTRY", "EXIT_BULLISH", "EXIT_BEARISH", "TREND_PULSE",
    "SIDEWAYS_BREAKOUT", "TRENDLINE_BULLISH_BREAK", "TRENDLINE_BEARISH_BREAK", "MOMENTUM_CHANGE",
    "STATE_CHANGE", "BREAKOUT", "BREAKDOWN", "SCREENER_FULL_BULLISH", "SCREENER_FULL_BEARISH",
)
Parser = Callable[[Mapping[str, Any], Mapping[str, SymbolSpec], datetime, str], V4Signal]
Processor = Callable[[V4Signal], Awaitable[Outcome]]


@dataclass(frozen=True, slots=True)
class IntakeResponse:
    status: int
    body: dict[str, Any]


@dataclass
class IntakeStats:
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    unauthorized: int = 0
    processed: int = 0
    errors: int = 0
    last_alert_at: datetime | None = None
    by_outcome: dict[str, int] = field(default_factory=dict)


def detect_family(body: bytes) -> tuple[SignalFamily, Any]:
    """SPEC §2.5.1 auto-detection, relying on the body and never on the Content-Type."""
    text = body.decode("utf-8", errors="strict").strip()
    payload: Any = None
    try:
        payload = json.loads(text)
        if isinstance(payload, str):
            inner = json.loads(payload)
            payload = inner if isinstance(inner, dict) else payload
    except json.JSONDecodeError:
        payload = None
    if isinstance(payload, dict):
        kind = str(payload.get("type", "")).strip()
        if kind in V3_TYPES:
            return SignalFamily.V3, payload
        if kind.lower() in LEGACY_TYPES:
            return SignalFamily.LEGACY, payload
        if kind.upper() in V6_TYPES:
            return SignalFamily.V6, payload
        raise AlertRejected("UNKNOWN_FORMAT", f"JSON field 'type' {kind!r} is not a known alert "
                            "type (legacy: bias/trend/entry/reversal/exit; V3: entry_v3...; "
                            "V6: BULLISH_ENTRY...)")
    first = text.split("|", 1)[0].strip().upper()
    if first in V6_TYPES:
        return SignalFamily.V6, text
    raise AlertRejected("UNKNOWN_FORMAT", "body is neither a JSON alert nor V6 pipe text")


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
        self._secret = secret
        self.parsers: dict[SignalFamily, Parser] = {SignalFamily.LEGACY: parse_legacy}
        self.queue: asyncio.Queue[tuple[V4Signal, int, float]] = asyncio.Queue()
        self.stats = IntakeStats()
        self.accepting = True
        self._recent: dict[str, tuple[str, datetime]] = {}

    # -- the acknowledgement path (must stay fast: TradingView gives up after 3 s) ----------
    def authenticate(self, payload_secret: Any, query_secret: str | None) -> bool:
        if self._secret is None:
            return bool(self._settings().webhook.allow_unauthenticated)
        offered = payload_secret if isinstance(payload_secret, str) else query_secret
        if not offered:
            return False
        return hmac.compare_digest(offered.encode("utf-8"), self._secret.encode("utf-8"))

    def receive(self, body: bytes, *, query_secret: str | None = None, peer: str = "",
                forced: SignalFamily | None = None) -> IntakeResponse:
        started = time.perf_counter()
        settings = self._settings()
        now = self._clock.now()
        if not self.accepting:
            return IntakeResponse(503, {"status": "busy", "reason": "SHUTTING_DOWN"})
        if len(body) > settings.webhook.max_body_bytes:
            self.stats.rejected += 1
            return IntakeResponse(413, {"status": "rejected", "reason": "TOO_LARGE"})
        try:
            family, payload = detect_family(body)
        except UnicodeDecodeError:
            return self._reject(now, peer, None, "", AlertRejected(
                "MALFORMED", "body is not UTF-8 text"))
        except AlertRejected as exc:
            return self._reject(now, peer, None, _safe_raw(body), exc)
        payload_secret = payload.pop("secret", None) if isinstance(payload, dict) else None
        raw = json.dumps(payload, ensure_ascii=False) if isinstance(payload, dict) else payload
        if not self.authenticate(payload_secret, query_secret):
            self.stats.unauthorized += 1
            log.warning("webhook: alert from %s refused: %s", peer or "?",
                        "no secret configured (fail closed)" if self._secret is None
                        else "missing or wrong secret")
            self._log_alert(now, peer, family, raw, None, "rejected", "UNAUTHORIZED")
            return IntakeResponse(401, {"status": "unauthorized"})
        if forced is not None and forced is not family:
            return self._reject(now, peer, family, raw, AlertRejected(
                "WRONG_FORMAT", f"this endpoint takes {forced.value} alerts, got {family.value}"))
        if not getattr(settings.webhook.formats, family.value.lower()):
            return self._reject(now, peer, family, raw, AlertRejected(
                "FORMAT_DISABLED", f"{family.value} alerts are switched off (/signals)"))
        parser = self.parsers.get(family)
        if parser is None:
            return self._reject(now, peer, family, raw, AlertRejected(
                "UNSUPPORTED_FORMAT", f"{family.value} alerts are not accepted by this build"))
        try:
            signal = parser(payload, self._symbols(), now, raw)
        except AlertRejected as exc:
            return self._reject(now, peer, family, raw, exc)
        self.stats.last_alert_at = now
        original = self._duplicate_of(signal, settings.webhook.duplicate_window_seconds)
        if original is not None:
            self.stats.duplicates += 1
            self._log_alert(now, peer, family, raw, signal, "duplicate", "DUPLICATE",
                            of=original)
            return IntakeResponse(200, {"status": "duplicate", "of": original})
        if self.queue.qsize() >= settings.webhook.queue_max:
            self._log_alert(now, peer, family, raw, signal, "rejected", "QUEUE_FULL")
            return IntakeResponse(503, {"status": "busy"})
        record_no = self._log_alert(now, peer, family, raw, signal, "queued", "")
        self._recent[signal.dedup_key()] = (signal.signal_id, now)
        self.queue.put_nowait((signal, record_no, started))
        self.stats.accepted += 1
        return IntakeResponse(200, {"status": "accepted", "signal_id": signal.signal_id})

    def _reject(self, now: datetime, peer: str, family: SignalFamily | None, raw: str,
                exc: AlertRejected) -> IntakeResponse:
        self.stats.rejected += 1
        log.info("webhook: alert rejected %s: %s", exc.code, exc.message)
        self._log_alert(now, peer, family, raw, None, "rejected", exc.code, detail=exc.message)
        return IntakeResponse(exc.status, {"status": "rejected", "reason": exc.code,
                                           "message": exc.message})

    def _duplicate_of(self, signal: V4Signal, window_seconds: int) -> str | None:
        horizon = signal.received_at - timedelta(seconds=window_seconds)
        if len(self._recent) > 5000:
            self._recent = {k: v for k, v in self._recent.items() if v[1] >= horizon}
        hit = self._recent.get(signal.dedup_key())
        return hit[0] if hit is not None and hit[1] >= horizon else None

    def _log_alert(self, now: datetime, peer: str, family: SignalFamily | None, raw: str,
                   signal: V4Signal | None, status: str, reason: str, **extra: Any) -> int:
        record = {
            "received_at": now.isoformat(), "source": peer,
            "format": family.value if family else None, "raw": raw[:4000],
            "signal": signal.as_dict() if signal else None, "status": status,
            "outcome": status if status != "queued" else None, "reason": reason, **extra,
        }
        return self._store.append(SIGNAL_LOG, record)

    # -- after a restart ----------------------------------------------------------------
    def recover(self) -> int:
        """Re-queue alerts that were acknowledged but not processed before a crash."""
        settings = self._settings()
        start = max(self._store.count(SIGNAL_LOG) - 2 * settings.webhook.queue_max - 10, 0)
        horizon = self._clock.now() - timedelta(seconds=settings.webhook.duplicate_window_seconds)
        requeued = 0
        for record in self._store.scan(SIGNAL_LOG, since_record=start):
            signal_data = record.get("signal")
            if signal_data is None:
                continue
            signal = V4Signal.from_dict(signal_data, raw=record.get("raw", ""))
            if signal.received_at >= horizon:
                self._recent[signal.dedup_key()] = (signal.signal_id, signal.received_at)
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
        self.stats.by_outcome[outcome.outcome] = self.stats.by_outcome.get(outcome.outcome, 0) + 1
        self._store.update_entry(SIGNAL_LOG, record_no, status="processed",
                                 outcome=outcome.outcome, reason=outcome.reason,
                                 detail=outcome.detail, latency_ms=latency_ms)
        self._bus.publish(AlertProcessed(
            signal_id=signal.signal_id, family=signal.source_format.value,
            summary=describe(signal), outcome=outcome.outcome, reason=outcome.reason))
        return outcome


def describe(signal: V4Signal) -> str:
    return (f"{signal.signal_type} {signal.symbol} {signal.timeframe}"
            + (f" @ {signal.price}" if signal.price is not None else ""))


def _safe_raw(body: bytes) -> str:
    text = body[:4000].decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return text
    if isinstance(data, dict) and "secret" in data:
        data["secret"] = "***"
        return json.dumps(data, ensure_ascii=False)
    return text
