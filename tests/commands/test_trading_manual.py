"""Manual trading (SPEC §5.5.3): /buy, /sell, /close and /trade against the simulated terminal."""

from __future__ import annotations

import pytest

from core.domain.enums import Direction, PauseReason
from core.engine import Engine
from tests.engine.helpers import quote
from tests.engine.signal_helpers import run

BASE = 505000  # mt5.magic_base default; manual = magic + 0 (SPEC §5.1.5)


async def test_buy_asks_confirmation_then_opens_a_manual_position(engine: Engine) -> None:
    assert engine.trading is not None and engine.risk is not None
    quote(engine, "EURUSD", 1.08400)  # ask 1.08408
    asked = await run(engine, "/buy EURUSD 0.1", confirmed=False)
    assert asked.needs_confirmation and asked.command_line.startswith("/buy EURUSD 0.1")
    assert not engine.trading.positions
    done = await run(engine, "/buy EURUSD 0.1")
    assert done.ok, done.text()
    [position] = engine.trading.positions.values()
    sl_pips = engine.risk.sl_pips(engine.symbols()["EURUSD"])  # default SL = active table
    assert sl_pips == 150
    assert (position.direction, position.volume, position.magic) == (Direction.BUY, 0.1, BASE)
    assert position.price_open == pytest.approx(1.08408)
    assert position.sl == pytest.approx(1.08408 - 0.0150)
    assert position.tp == pytest.approx(1.08408 + 0.0225)  # TP 0 → 1.5 × SL
    assert position.comment.startswith("manual|M|")
    meta = engine.trading.meta(position.ticket)
    assert (meta["strategy"], meta["kind"]) == ("manual", "M")
    assert done.data["ticket"] == position.ticket and done.data["risk"] == pytest.approx(150)
    assert f"#{position.ticket}" in done.title and "Risk $150.00" in done.text()


async def test_sell_uses_the_given_sl_and_tp_pips(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "GBPUSD", 1.27000)
    done = await run(engine, "/sell GBPUSD 0.05 20 30")
    assert done.ok, done.text()
    [position] = engine.trading.positions.values()
    assert (position.direction, position.volume) == (Direction.SELL, 0.05)
    assert position.price_open == pytest.approx(1.27)
    assert position.sl == pytest.approx(1.2720) and position.tp == pytest.approx(1.2670)
    assert done.data["risk"] == pytest.approx(0.05 * 20 * 10)


async def test_setsl_and_settp_are_the_manual_defaults(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    assert (await run(engine, "/setsl 25")).ok
    done = await run(engine, "/buy EURUSD 0.02")
    assert done.ok and (done.data["sl_pips"], done.data["tp_pips"]) == (25, 37.5)
    assert (await run(engine, "/settp 40")).ok
    second = await run(engine, "/sell EURUSD 0.02")
    assert second.ok and (second.data["sl_pips"], second.data["tp_pips"]) == (25, 40)
    sell = engine.trading.positions[second.data["ticket"]]
    assert sell.tp == pytest.approx(1.08400 - 0.0040)


@pytest.mark.parametrize(("line", "words"), [
    ("/buy FOO 0.1", "not in the symbol table"),
    ("/buy EURUSD 11", "out of range"),
    ("/buy EURUSD 0", "out of range"),
    ("/sell EURUSD 0.2", "above the max lot 0.1 of tier 10000"),
    ("/buy EURUSD 0.1 0", "out of range"),
])
async def test_bad_symbol_or_lot_is_refused(engine: Engine, line: str, words: str) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    reply = await run(engine, line)
    assert not reply.ok and words in reply.text()
    assert not engine.trading.positions


async def test_paused_trading_refuses_manual_orders(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    engine.trading.pause(PauseReason.MANUAL)
    reply = await run(engine, "/buy EURUSD 0.1")
    assert not reply.ok and reply.data["code"] == "PAUSED"
    assert "PAUSED" in reply.title and "trading is paused (MANUAL)" in reply.text()
    assert not engine.trading.positions


async def test_manual_order_bypasses_the_session_filter_with_a_warning(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "USDJPY", 156.000)  # USDJPY is not traded in the London session
    reply = await run(engine, "/buy USDJPY 0.05 20")
    assert reply.ok, reply.text()
    assert "bypasses the session filter" in reply.data["warning"]
    assert "Warning: manual order bypasses" in reply.text()
    assert engine.trading.positions[reply.data["ticket"]].symbol == "USDJPY"


async def test_pre_trade_check_reduces_or_refuses_the_lot(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    # 0.10 lot × 300 pips × $10 = $300 > the $200 daily cap: lowered to 0.06 ($180)
    reduced = await run(engine, "/buy EURUSD 0.1 300")
    assert reduced.ok and reduced.data["volume"] == pytest.approx(0.06)
    assert engine.trading.positions[reduced.data["ticket"]].volume == pytest.approx(0.06)
    assert "Lot 0.1 → 0.06" in reduced.text()
    refused = await run(engine, "/sell EURUSD 0.1 5000")  # $500 even at 0.01 lot
    assert not refused.ok and refused.data["code"] == "RISK_TOO_HIGH"
    assert len(engine.trading.positions) == 1


async def test_close_confirms_then_closes_and_shows_realised_pnl(engine: Engine) -> None:
    assert engine.trading is not None and engine.store is not None
    quote(engine, "EURUSD", 1.08400)
    ticket = (await run(engine, "/buy EURUSD 0.1")).data["ticket"]
    quote(engine, "EURUSD", 1.08500)  # bid 9.2 pips above the 1.08408 entry
    asked = await run(engine, f"/close {ticket}", confirmed=False)
    assert asked.needs_confirmation and ticket in engine.trading.positions
    done = await run(engine, f"/close {ticket}")
    assert done.ok, done.text()
    assert ticket not in engine.trading.positions
    [record] = [r for r in engine.store.tail("trades", 10) if r["ticket"] == ticket]
    assert record["close_reason"] == "MANUAL"
    assert done.data["profit"] == pytest.approx(record["profit"]) == pytest.approx(9.2)
    assert "$9.20" in done.title


async def test_close_of_an_unknown_ticket_names_the_open_ones(engine: Engine) -> None:
    assert engine.trading is not None
    quote(engine, "EURUSD", 1.08400)
    ticket = (await run(engine, "/buy EURUSD 0.01")).data["ticket"]
    reply = await run(engine, "/close 4242")
    assert not reply.ok
    assert reply.lines == (f"ticket #4242 is not an open system position; open: #{ticket}",)
    assert ticket in engine.trading.positions
    bad = await run(engine, "/close abc")
    assert not bad.ok and "not a number" in bad.text()


async def test_trade_menu_lists_manual_commands_with_usage(engine: Engine) -> None:
    reply = await run(engine, "/trade")
    assert reply.ok
    usage = reply.data["usage"]
    assert usage["buy"] == "/buy SYMBOL LOT [SL_PIPS] [TP_PIPS]"
    assert usage["sell"] == "/sell SYMBOL LOT [SL_PIPS] [TP_PIPS]"
    assert usage["close"] == "/close TICKET" and usage["positions"] == "/positions"
    assert "/buy SYMBOL LOT [SL_PIPS] [TP_PIPS] — Manual BUY (SPEC §5.5.3)" in reply.lines
    assert any("1.5 × SL" in line for line in reply.lines)
