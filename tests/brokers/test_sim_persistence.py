"""The paper account survives restarts: state saved atomically after trades and stop-outs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from core.brokers.sim import SimTerminal
from core.brokers.sim import constants as c
from tests.brokers.conftest import WED, close_req, make_terminal, market, quote_all, send_ok


def test_account_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "sim" / "terminal.json"
    first = make_terminal(state_path=path, durable=False)
    quote_all(first)
    assert not path.exists()  # quotes alone are not saved
    keep = send_ok(first, market("EURUSD", c.ORDER_TYPE_BUY, 0.2, sl=1.09, tp=1.12,
                                 magic=505011, comment="v4|A|keep")).order
    gone = send_ok(first, market("GOLD", c.ORDER_TYPE_SELL, 0.1)).order
    first.push_quote("GOLD", 1990.0, 1990.25, WED + 60)
    send_ok(first, close_req("GOLD", gone, c.ORDER_TYPE_BUY, 0.1))
    assert path.exists()
    balance = first.account_info().balance  # type: ignore[union-attr]
    assert balance == pytest.approx(10_000 + 97.5)

    second = make_terminal(state_path=path, durable=False, balance=50_000.0)
    info = second.account_info()
    assert info is not None and info.balance == balance  # the saved balance wins
    (pos,) = second.positions_get() or ()
    assert (pos.ticket, pos.volume, pos.sl, pos.tp, pos.magic, pos.comment) == (
        keep, 0.2, 1.09, 1.12, 505011, "v4|A|keep")
    assert second.history_deals_get(position=gone) == first.history_deals_get(position=gone)
    assert second.history_orders_get(position=keep) == first.history_orders_get(position=keep)
    tick = second.symbol_info_tick("GOLD")
    assert tick is not None and (tick.bid, tick.ask) == (1990.0, 1990.25)
    assert second.now == pytest.approx(WED + 60)
    result = send_ok(second, market("EURUSD", c.ORDER_TYPE_BUY, 0.1))
    assert result.order > gone  # ticket numbers continue
    closed = second.order_send(close_req("GOLD", gone, c.ORDER_TYPE_BUY, 0.1))
    assert closed is not None and closed.retcode == c.TRADE_RETCODE_POSITION_CLOSED


def test_stop_triggers_are_saved(tmp_path: Path) -> None:
    path = tmp_path / "terminal.json"
    term = make_terminal(state_path=path, durable=False)
    quote_all(term)
    ticket = send_ok(term, market("EURUSD", c.ORDER_TYPE_BUY, 0.1, sl=1.099)).order
    term.push_bar("EURUSD", WED + 60, 1.1, 1.1001, 1.0985, 1.0990, 12)
    restarted = make_terminal(state_path=path, durable=False)
    assert restarted.positions_total() == 0
    deals = restarted.history_deals_get(position=ticket) or ()
    assert [d.reason for d in deals] == [c.DEAL_REASON_CLIENT, c.DEAL_REASON_SL]
    # The stop is watched again after a restart.
    again = make_terminal(state_path=tmp_path / "other.json", durable=False)
    quote_all(again)
    watched = send_ok(again, market("EURUSD", c.ORDER_TYPE_BUY, 0.1, sl=1.099)).order
    reloaded = make_terminal(state_path=tmp_path / "other.json", durable=False)
    reloaded.push_quote("EURUSD", 1.0985, 1.09862, WED + 120)
    assert reloaded.positions_get(ticket=watched) == ()


def test_missing_file_is_a_fresh_account(tmp_path: Path) -> None:
    term = make_terminal(state_path=tmp_path / "none.json", balance=2_500.0)
    info = term.account_info()
    assert info is not None and info.balance == 2_500.0 and term.positions_total() == 0
    (deposit,) = term.history_deals_get(0, 2**40) or ()
    assert (deposit.type, deposit.profit, deposit.comment) == (c.DEAL_TYPE_BALANCE, 2_500.0,
                                                               "Deposit")


@pytest.mark.parametrize("content", [
    "{not json",
    json.dumps({"format": 99}),
    json.dumps([1, 2, 3]),
    json.dumps({"format": 1, "balance": 1.0}),
])
def test_corrupt_file_is_set_aside_and_warned_about(tmp_path: Path, content: str,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "terminal.json"
    path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="core.brokers.sim.terminal"):
        term = SimTerminal(state_path=path, balance=7_000.0)
    assert "corrupt" in caplog.text
    assert term.initialize() and term.account_info().balance == 7_000.0  # type: ignore[union-attr]
    assert not path.exists()
    (aside,) = tmp_path.glob("terminal.json.corrupt-*")
    assert aside.read_text(encoding="utf-8") == content


def test_position_on_an_unconfigured_symbol_is_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "terminal.json"
    term = make_terminal(state_path=path, durable=False)
    quote_all(term)
    send_ok(term, market("GOLD", c.ORDER_TYPE_BUY, 0.1))
    fresh = SimTerminal(state_path=path, mapping={})  # GOLD is now called XAUUSD
    assert fresh.initialize() and fresh.positions_total() == 0
