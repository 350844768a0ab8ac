"""Paper-account persistence stays constant-cost: small state file + append-only history."""

from __future__ import annotations

from pathlib import Path

from core.brokers.sim import constants as c
from core.brokers.sim.terminal import SimTerminal

REQ = {"action": c.TRADE_ACTION_DEAL, "symbol": "EURUSD", "volume": 0.01, "deviation": 20,
       "magic": 505000, "comment": "t", "type_filling": c.ORDER_FILLING_FOK}


def _round_trips(term: SimTerminal, n: int) -> None:
    for _ in range(n):
        term.order_send({**REQ, "type": c.ORDER_TYPE_BUY, "price": 1.08408})
        ticket = term.positions_get()[0].ticket
        term.order_send({**REQ, "type": c.ORDER_TYPE_SELL, "price": 1.084, "position": ticket})


def _terminal(path: Path) -> SimTerminal:
    term = SimTerminal(path)
    assert term.initialize()
    term.push_quote("EURUSD", 1.08400, 1.08408, 1_764_000_000)
    return term


def test_state_file_does_not_grow_with_closed_trades(tmp_path: Path) -> None:
    path = tmp_path / "terminal.json"
    term = _terminal(path)
    _round_trips(term, 5)
    small = path.stat().st_size
    _round_trips(term, 200)
    assert path.stat().st_size <= small + 64  # only counters change; history is appended
    history = tmp_path / "terminal.history.jsonl"
    assert len(history.read_text(encoding="utf-8").splitlines()) == 1 + 205 * 2 * 2


def test_reload_restores_history_and_balance(tmp_path: Path) -> None:
    path = tmp_path / "terminal.json"
    term = _terminal(path)
    _round_trips(term, 3)
    again = SimTerminal(path)
    assert again.initialize()
    assert again.account_info().balance == term.account_info().balance
    assert len(again.history_deals_get(0, 2_000_000_000)) == 7  # deposit + 3 × (in, out)
    assert len(again.history_orders_get(0, 2_000_000_000)) == 6


def test_torn_and_orphan_history_lines_are_dropped(tmp_path: Path) -> None:
    path = tmp_path / "terminal.json"
    _round_trips(_terminal(path), 2)
    history = tmp_path / "terminal.history.jsonl"
    good = history.read_text(encoding="utf-8")
    # a save that crashed after appending but before the state file was replaced,
    # followed by a torn line from a second crash mid-append:
    orphan = good.splitlines()[-1].replace('"k":"o"', '"k":"d"')
    history.write_text(good + orphan + "\n" + '{"k":"d","tick', encoding="utf-8")
    again = SimTerminal(path)
    assert again.initialize()
    assert len(again.history_deals_get(0, 2_000_000_000)) == 5
    assert history.read_text(encoding="utf-8") == good  # repaired to what the state names


def test_corrupt_state_sets_history_aside_and_starts_fresh(tmp_path: Path) -> None:
    path = tmp_path / "terminal.json"
    _round_trips(_terminal(path), 2)
    path.write_text("{not json", encoding="utf-8")
    fresh = SimTerminal(path, balance=5000)
    assert fresh.initialize()
    assert fresh.account_info().balance == 5000
    assert len(list(tmp_path.glob("terminal.history.jsonl.corrupt-*"))) == 1
    fresh.push_quote("EURUSD", 1.08400, 1.08408, 1_764_000_000)
    _round_trips(fresh, 1)
    reloaded = SimTerminal(path)
    assert reloaded.initialize()
    assert len(reloaded.history_deals_get(0, 2_000_000_000)) == 3
