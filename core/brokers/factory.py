"""Builds the broker for the mode: MT5Broker over MetaTrader5, or over the simulated terminal."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from core.brokers.feeds.bars import load_bars
from core.brokers.feeds.live import LiveQuoteFeed
from core.brokers.feeds.replay import ReplayFeed
from core.brokers.feeds.synthetic import SyntheticFeed
from core.brokers.mt5_broker import MT5Broker
from core.brokers.sim.terminal import SimTerminal
from core.clock import Clock
from core.config import ConfigError, Secrets, Settings
from core.domain.symbols import SymbolSpec
from core.signals.demo_source import DemoAlertSource

log = logging.getLogger(__name__)


@dataclass
class BrokerBundle:
    """The broker port plus, in paper mode, the terminal and the feed that moves it."""

    broker: MT5Broker
    terminal: SimTerminal | None
    feed: Any | None
    demo: DemoAlertSource | None
    to_broker_symbol: Callable[[str], str]
    description: str
    feed_description: str


class UnavailableTerminal:
    """What live mode talks to when the MetaTrader5 package cannot be imported."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def initialize(self, *args: Any, **kwargs: Any) -> bool:
        return False

    def login(self, *args: Any, **kwargs: Any) -> bool:
        return False

    def last_error(self) -> tuple[int, str]:
        return (-10003, self.reason)

    def shutdown(self) -> None:
        return None


def specs_from(settings: Settings) -> dict[str, SymbolSpec]:
    return {name: SymbolSpec(name, r.pip_size, r.digits, r.pip_value, r.contract_size,
                             r.volatility, r.min_sl_pips, r.typical_spread_pips)
            for name, r in settings.symbols.table.items() if name in settings.symbols.enabled}


def _import_mt5() -> Any | None:
    try:
        import MetaTrader5  # type: ignore[import-not-found]  # Windows-only package
    except ImportError:
        return None
    return MetaTrader5


def _credentials(secrets: Secrets) -> dict[str, Any]:
    return {"login": int(secrets.mt5_login) if secrets.mt5_login else None,
            "password": secrets.mt5_password, "server": secrets.mt5_server,
            "path": secrets.mt5_terminal_path}


def build_broker(settings: Settings, secrets: Secrets, data_dir: Path, clock: Clock,
                 inline: bool = False, persist: bool = True,
                 with_feed: bool = True,
                 demo_secret: Callable[[], str] | None = None) -> BrokerBundle:
    mapping = settings.symbols.mapping

    def to_broker(symbol: str) -> str:
        return mapping.get(symbol, symbol)

    specs = specs_from(settings)
    if settings.trading.mode == "live":
        module = _import_mt5()
        api: Any = module or UnavailableTerminal(
            "MetaTrader5 package not installed: it exists for Windows only "
            "(pip install -e .[mt5] on the trading PC)")
        broker = MT5Broker(api, settings.mt5, settings.symbols, **_credentials(secrets),
                           inline=inline)
        return BrokerBundle(broker, None, None, None, to_broker, "MetaTrader 5 (live)", "")
    terminal = SimTerminal(
        data_dir / "sim" / "terminal.json" if persist else None,
        balance=settings.account.simulated_balance,
        leverage=settings.account.simulated_leverage,
        symbols=specs, mapping=mapping,
    )
    broker = MT5Broker(terminal, settings.mt5, settings.symbols, inline=inline)
    if not with_feed:
        return BrokerBundle(broker, terminal, None, None, to_broker,
                            "simulated terminal (paper)", "no feed (driven by the caller)")
    feed, feed_text = _paper_feed(settings, specs, clock.now())
    demo = None
    if settings.paper.demo_alerts and isinstance(feed, SyntheticFeed) and demo_secret:
        demo = DemoAlertSource([specs[s] for s in settings.paper.demo_alert_symbols
                                if s in specs], secret=demo_secret)
        feed_text += " + demo alerts"
    return BrokerBundle(broker, terminal, feed, demo, to_broker,
                        "simulated terminal (paper)", feed_text)


def _paper_feed(settings: Settings, specs: dict[str, SymbolSpec],
                now: datetime) -> tuple[Any, str]:
    paper = settings.paper
    if paper.price_feed == "synthetic":
        return SyntheticFeed(list(specs.values()), paper.seed, now), \
            f"synthetic demo feed (seed {paper.seed})"
    if paper.price_feed == "replay":
        if not paper.replay_file:
            raise ConfigError("paper.replay_file is required when paper.price_feed = 'replay'")
        path = Path(paper.replay_file)
        symbol = paper.replay_symbol or path.name.split(".")[0].upper()
        if symbol not in specs:
            raise ConfigError(f"paper.replay_symbol = {symbol!r}: not an enabled symbol")
        series = load_bars(path)
        feed = ReplayFeed(series, symbol, specs[symbol].typical_spread_pips, spec=specs[symbol],
                          bars_per_second=paper.replay_bars_per_second)
        return feed, f"replay of {path.name} ({len(series)} bars)"
    module = _import_mt5()
    if module is None:
        raise ConfigError("paper.price_feed = 'live' needs the MetaTrader5 package "
                          "(Windows only) for live quotes")
    return LiveQuoteFeed(module, list(specs), settings.symbols.mapping), "live MT5 quotes"
