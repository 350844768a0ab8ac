"""Demo alert source: TradingView-style alert bodies derived from demo prices."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from core.brokers.feeds.bars import load_bars
from core.brokers.feeds.replay import ReplayFeed
from core.brokers.feeds.synthetic import SyntheticFeed
from core.domain.orders import Quote
from core.domain.symbols import DEFAULT_SYMBOLS
from core.signals.demo_source import DemoAlert, DemoAlertSource

START = datetime(2025, 1, 6, 8, 0, tzinfo=UTC)
NAMES = ("EURUSD", "GBPUSD", "USDJPY", "XAUUSD")
SPECS = [DEFAULT_SYMBOLS[s] for s in NAMES]
LEGACY_KEYS = {"type", "signal", "tf", "symbol", "price", "strategy", "secret"}
# SPEC §2.2: allowed `signal` and `tf` values per `type`.
LEGACY_SIGNALS = {"trend": {"bull", "bear"}, "entry": {"buy", "sell"}}
LEGACY_TFS = {"trend": {"5m", "15m", "1h", "1d"}, "entry": {"5m", "15m", "1h"}}
STEPS = 1_200


class Secret:
    """A secret provider that counts its calls."""

    def __init__(self, value: str = "s3cr3t token&x") -> None:
        self.value = value
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return self.value


def demo_run(formats: tuple[str, ...] = ("legacy",), seed: int = 7, steps: int = STEPS,
             secret: Secret | None = None) -> list[tuple[int, DemoAlert, DemoAlertSource]]:
    feed = SyntheticFeed(SPECS, seed, START)
    source = DemoAlertSource(SPECS, secret=secret or Secret(), formats=formats)  # type: ignore[arg-type]
    out = []
    for step in range(1, steps + 1):
        for alert in source.on_quotes(feed.next_quotes(START + timedelta(seconds=step))):
            out.append((step, alert, source))
    return out


@pytest.fixture(scope="module")
def all_formats() -> list[tuple[int, DemoAlert, DemoAlertSource]]:
    return demo_run(("legacy", "v3", "v6"))


def test_seeded_run_emits_trends_and_an_aligned_entry_quickly() -> None:
    alerts = demo_run()
    kinds = [(a.kind, a.body["tf"]) for _, a, _ in alerts if isinstance(a.body, dict)]
    assert ("trend", "15m") in kinds and ("trend", "1h") in kinds
    entries = [step for step, a, _ in alerts if a.kind == "entry"]
    assert entries and entries[0] <= 300  # the first entry within five minutes of demo time
    assert len(entries) >= 5  # and more keep coming over twenty minutes
    assert {a.kind for _, a, _ in alerts} == {"trend", "entry"}  # default: legacy only


def test_legacy_bodies_match_spec_2_2(all_formats: list[tuple[int, DemoAlert, DemoAlertSource]]
                                      ) -> None:
    legacy = [a for _, a, _ in all_formats if a.kind in ("trend", "entry")]
    assert legacy
    for alert in legacy:
        body = alert.body
        assert isinstance(body, dict) and set(body) == LEGACY_KEYS
        kind = body["type"]
        assert kind in LEGACY_SIGNALS and body["signal"] in LEGACY_SIGNALS[kind]
        assert body["tf"] in LEGACY_TFS[kind]
        assert body["symbol"] in NAMES and body["symbol"] == alert.symbol
        price, digits = body["price"], DEFAULT_SYMBOLS[str(body["symbol"])].digits
        assert isinstance(price, float) and price > 0 and round(price, digits) == price
        assert alert.path == "/webhook" and isinstance(body["strategy"], str)
        assert body["secret"] == "s3cr3t token&x"
        assert "s3cr3t" not in repr(alert)


def test_entries_only_when_trend_timeframes_agree() -> None:
    feed = SyntheticFeed(SPECS, 11, START)
    source = DemoAlertSource(SPECS, secret=Secret())
    seen = 0
    for step in range(1, STEPS + 1):
        for alert in source.on_quotes(feed.next_quotes(START + timedelta(seconds=step))):
            if alert.kind == "entry":
                assert isinstance(alert.body, dict)
                side = 1 if alert.body["signal"] == "buy" else -1
                assert source.trend(alert.symbol, "1h") == side
                assert source.trend(alert.symbol, "15m") == side
                seen += 1
    assert seen > 0


def test_v3_bodies_have_levels_on_the_right_side(
        all_formats: list[tuple[int, DemoAlert, DemoAlertSource]]) -> None:
    bodies = [a.body for _, a, _ in all_formats if a.kind == "entry_v3"]
    assert bodies
    for body in bodies:
        assert isinstance(body, dict)
        assert body["type"] == "entry_v3" and body["tf"] == "15"
        assert body["direction"] in ("buy", "sell")
        price, sl = float(body["price"]), float(body["sl_price"])  # type: ignore[arg-type]
        tp1, tp2 = float(body["tp1_price"]), float(body["tp2_price"])  # type: ignore[arg-type]
        sign = 1 if body["direction"] == "buy" else -1
        assert sign * (price - sl) > 0 and sign * (tp1 - price) > 0 and sign * (tp2 - tp1) > 0
        assert isinstance(body["consensus_score"], int) and 0 <= body["consensus_score"] <= 9
        trends = str(body["mtf_trends"]).split(",")
        assert len(trends) == 6 and set(trends) <= {"-1", "0", "1"}
        assert body["market_trend"] in (-1, 0, 1) and body["secret"] == "s3cr3t token&x"
        spec = DEFAULT_SYMBOLS[str(body["symbol"])]
        assert abs(price - sl) >= spec.min_sl_pips * spec.pip_size - spec.point


def test_v6_pipe_text_has_levels_in_trade_direction(
        all_formats: list[tuple[int, DemoAlert, DemoAlertSource]]) -> None:
    alerts = [a for _, a, _ in all_formats if a.kind == "v6_entry"]
    assert alerts
    for alert in alerts:
        assert isinstance(alert.body, str) and alert.body.endswith("|")
        fields = alert.body.split("|")[:-1]
        assert len(fields) == 15
        kind, symbol, tf, price, direction, level, score = fields[:7]
        adx, strength, sl, tp1, tp2, tp3, alignment, tl = fields[7:]
        assert (kind, direction) in {("BULLISH_ENTRY", "BUY"), ("BEARISH_ENTRY", "SELL")}
        assert symbol in NAMES and tf == "15" and tl == "TL_OK"
        digits = DEFAULT_SYMBOLS[symbol].digits
        assert all(len(x.split(".")[1]) == digits for x in (price, sl, tp1, tp2, tp3))
        p, s, t1, t2, t3 = map(float, (price, sl, tp1, tp2, tp3))
        if direction == "BUY":
            assert s < p < t1 < t2 < t3
        else:
            assert s > p > t1 > t2 > t3
        # TP1/TP2/TP3 at 2/4/6 ATR and SL at 1.5 ATR: equal steps of 2 ATR between targets.
        assert abs((t3 - t2) - (t2 - t1)) <= 2 * 10 ** -digits
        assert abs(abs(t1 - p) / abs(p - s) - 2 / 1.5) < 0.02
        assert 0 <= int(score) <= 100
        assert level == ("HIGH" if int(score) >= 80 else "MODERATE" if int(score) >= 60
                         else "LOW")
        bulls, bears = (int(x) for x in alignment.split("/"))
        assert 0 <= bulls <= 6 and 0 <= bears <= 6
        assert adx == "NA" or 0 <= float(adx) <= 100
        assert strength in {"NA", "STRONG", "MODERATE", "WEAK", "NONE"}
        query = parse_qs(urlsplit(alert.path).query)
        assert urlsplit(alert.path).path == "/webhook"
        assert query == {"secret": ["s3cr3t token&x"]}
    assert any(a.body.split("|")[7] != "NA" for a in alerts if isinstance(a.body, str))


def test_secret_comes_from_the_callable_each_time() -> None:
    secret = Secret("first")
    alerts = demo_run(("legacy", "v6"), steps=400, secret=secret)
    assert alerts and secret.calls == len(alerts)
    secret.value = ""
    feed = SyntheticFeed(SPECS, 7, START)
    source = DemoAlertSource(SPECS, secret=secret, formats=("legacy", "v6"))
    later = [a for step in range(1, 400)
             for a in source.on_quotes(feed.next_quotes(START + timedelta(seconds=step)))]
    assert later
    for alert in later:
        assert alert.path == "/webhook"
        assert not isinstance(alert.body, dict) or "secret" not in alert.body


def test_deterministic_for_a_quote_sequence() -> None:
    def signature(run: list[tuple[int, DemoAlert, DemoAlertSource]]) -> list[object]:
        return [(step, a.body, a.path, a.description) for step, a, _ in run]

    assert signature(demo_run(("legacy", "v3", "v6"), steps=600)) == signature(
        demo_run(("legacy", "v3", "v6"), steps=600))


def quotes_along(prices: list[float], symbol: str = "EURUSD") -> list[Quote]:
    return [Quote(symbol, p, round(p + 0.00008, 5), START + timedelta(seconds=i))
            for i, p in enumerate(prices)]


def test_hand_made_rise_then_fall_gives_buy_then_sell() -> None:
    rise = [round(1.08 + 0.00005 * i, 5) for i in range(400)]
    fall = [round(rise[-1] - 0.00005 * i, 5) for i in range(1, 600)]
    source = DemoAlertSource(["EURUSD"], secret=lambda: "k")
    alerts = source.on_quotes(quotes_along(rise + fall))
    story = [(a.body["type"], a.body["signal"], a.body["tf"]) for a in alerts
             if isinstance(a.body, dict)]
    assert story[:4] == [("trend", "bull", "15m"), ("trend", "bull", "1h"),
                         ("entry", "buy", "15m"), ("trend", "bear", "15m")]
    assert ("trend", "bear", "1h") in story
    assert story[-1] == ("entry", "sell", "15m")
    assert story.count(("entry", "buy", "15m")) == 1  # no repeat while alignment holds


def test_true_timeframes_on_a_real_replay() -> None:
    path = Path("/work/shared/data/fx-m1/EURUSD.csv.gz")
    if not path.exists():
        pytest.skip(f"{path} not available")
    feed = ReplayFeed(load_bars(path).slice(0, 7_200), "EURUSD", 0.8)
    source = DemoAlertSource(["EURUSD"], secret=lambda: "k", compression=1.0)
    alerts = source.on_quotes(feed.quotes())
    tfs = {a.body["tf"] for a in alerts if isinstance(a.body, dict)}
    assert {"15m", "1h"} <= tfs
    assert any(a.kind == "entry" for a in alerts)


def test_ignores_unknown_symbols_and_stale_quotes() -> None:
    source = DemoAlertSource(["EURUSD"], secret=lambda: "k")
    assert source.symbols == ("EURUSD",)
    assert source.on_quote(Quote("GBPUSD", 1.27, 1.2701, START)) == []
    ticks = quotes_along([1.08 + 0.0001 * i for i in range(100)])
    for older, newer in itertools.pairwise(ticks):
        source.on_quote(newer)
        assert source.on_quote(older) == []


@pytest.mark.parametrize("kwargs", [
    {"formats": ()}, {"formats": ("xml",)}, {"entry_timeframe": "4h"},
    {"trend_timeframes": ("4h",)}, {"trend_timeframes": ()}, {"compression": 0},
    {"fast": 8, "slow": 5},
])
def test_rejects_bad_options(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        DemoAlertSource(["EURUSD"], secret=lambda: "k", **kwargs)  # type: ignore[arg-type]
