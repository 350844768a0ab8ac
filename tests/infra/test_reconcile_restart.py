"""Broker reconciliation at start-up (SPEC §3.7): positions closed while the engine was down."""

from __future__ import annotations

from core.clock import FrozenClock
from core.engine import EngineOptions
from tests.engine.signal_helpers import run
from tests.infra.helpers import infra, manual_buy, offline_terminal, started


def trades_of(engine: object, ticket: int) -> list[dict[str, object]]:
    store = engine.store  # type: ignore[attr-defined]
    return list(store.scan("trades", where=lambda t: t.get("ticket") == ticket))


async def test_a_position_closed_while_stopped_is_a_resolved_conflict_and_one_trade(
        engine_options: EngineOptions, frozen_clock: FrozenClock) -> None:
    first = await started(engine_options)
    try:
        ticket = await manual_buy(first)  # SL 1.08208
    finally:
        await first.stop()
    # While nothing watches: the price falls through the SL on the terminal.
    terminal = offline_terminal(first)
    terminal.push_quote("EURUSD", 1.08100, 1.08108, frozen_clock.now())
    assert not terminal.positions_get()

    second = await started(engine_options)
    try:
        assert second.trading is not None and second.store is not None
        [row] = [r for r in infra(second).conflicts.rows() if r.ticket == ticket]
        assert (row.state_type, row.kind, row.status) == ("POSITIONS", "closed_outside",
                                                          "RESOLVED")
        assert "SL" in row.detail and "trade recorded" in row.resolution
        [trade] = trades_of(second, ticket)
        assert trade["close_reason"] == "SL" and float(trade["profit"]) < 0  # type: ignore[arg-type]
        assert not second.trading.meta(ticket)
        assert second.steps["sync"].state == "ok"
        assert "closed outside 1" in second.steps["sync"].detail
        # /conflicts shows open ones (none); /conflicts all keeps the resolved record
        assert (await run(second, "/conflicts")).data["open"] == 0
        listing = await run(second, "/conflicts all")
        assert [c["id"] for c in listing.data["conflicts"]] == [row.conflict_id]
        assert row.conflict_id in listing.text()
        await infra(second).sync.sync("POSITIONS")  # a later pass finds nothing new
        assert len(trades_of(second, ticket)) == 1
        assert len(infra(second).conflicts.rows()) == 1
    finally:
        await second.stop()
    third = await started(engine_options)  # and a further restart records it no more
    try:
        assert len(trades_of(third, ticket)) == 1
        assert len(infra(third).conflicts.rows()) == 1
    finally:
        await third.stop()


async def test_a_restart_with_nothing_changed_records_no_conflict(
        engine_options: EngineOptions) -> None:
    first = await started(engine_options)
    try:
        ticket = await manual_buy(first)
    finally:
        await first.stop()
    second = await started(engine_options)
    try:
        assert second.trading is not None and ticket in second.trading.positions
        assert infra(second).conflicts.rows() == []
        health = await run(second, "/health")
        assert health.data["sync"]["open_conflicts"] == 0
        assert "State sync: no open conflicts" in health.text()
    finally:
        await second.stop()
