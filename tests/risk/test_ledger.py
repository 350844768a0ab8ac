"""SPEC §5.4.4-§5.4.5: trading day, realised losses (partials, commission, swap), counters."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from core.domain.enums import Direction
from core.domain.orders import Deal
from core.risk.ledger import Ledger, day_start, next_reset, realised_units, trading_day
from core.storage.store import Store

IST = "Asia/Kolkata"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def deal(ticket: int, entry: str, volume: float, profit: float = 0.0, commission: float = 0.0,
         swap: float = 0.0, position: int = 1, when: datetime | None = None) -> Deal:
    return Deal(ticket=ticket, order=ticket, position_id=position, symbol="EURUSD",
                direction=Direction.BUY if entry == "IN" else Direction.SELL, entry=entry,
                volume=volume, price=1.1, profit=profit, commission=commission, swap=swap,
                magic=505012, comment="", reason="CLIENT",
                time=when or utc(2025, 11, 26, 9))


@pytest.mark.parametrize(("now", "day"), [
    (utc(2025, 11, 25, 22, 4, 59), date(2025, 11, 25)),  # 03:34:59 IST on the 26th
    (utc(2025, 11, 25, 22, 5, 0), date(2025, 11, 26)),   # 03:35:00 IST: new trading day
    (utc(2025, 11, 25, 22, 5, 1), date(2025, 11, 26)),
    (utc(2025, 11, 26, 18, 29), date(2025, 11, 26)),     # 23:59 IST
    (utc(2025, 11, 26, 18, 31), date(2025, 11, 26)),     # 00:01 IST on the 27th: same day
    (utc(2025, 3, 30, 22, 5), date(2025, 3, 31)),        # Europe's DST night: IST unmoved
    (utc(2025, 11, 2, 22, 4), date(2025, 11, 2)),        # US DST end: IST unmoved
    (utc(2024, 2, 28, 22, 5), date(2024, 2, 29)),        # leap day
])
def test_trading_day_starts_at_0335_ist(now: datetime, day: date) -> None:
    assert trading_day(now, "03:35", IST) == day


def test_day_start_and_next_reset_are_2205_utc() -> None:
    assert day_start(date(2025, 11, 26), "03:35", IST) == utc(2025, 11, 25, 22, 5)
    assert next_reset(utc(2025, 11, 26, 8), "03:35", IST) == utc(2025, 11, 26, 22, 5)
    assert next_reset(utc(2025, 11, 26, 22, 5), "03:35", IST) == utc(2025, 11, 27, 22, 5)
    assert trading_day(utc(2025, 11, 26, 8), "09:00", "Europe/London") == date(2025, 11, 25)


def test_realised_units_include_commission_swap_and_entry_commission_share() -> None:
    units = realised_units([
        deal(1, "IN", 0.10, commission=-0.70),
        deal(2, "OUT", 0.04, profit=-20.0, commission=-0.28, swap=-0.12),  # partial close
        deal(3, "OUT", 0.06, profit=15.0, commission=-0.42, swap=-0.30),
    ])
    assert [(d.ticket, net) for d, net in units] == [(2, -20.68), (3, 13.86)]


def test_realised_unit_without_entry_deal_counts_its_own_costs() -> None:
    [(_, net)] = realised_units([deal(5, "OUT", 0.1, profit=2.0, commission=-1.0, swap=-1.5)])
    assert net == -0.5  # a winning close that costs more than it made is a loss


def test_counters_persist_dedupe_and_profits_do_not_offset(tmp_path: Path) -> None:
    now = utc(2025, 11, 26, 9)
    begins = day_start(date(2025, 11, 26), "03:35", IST)
    with Store(tmp_path / "s", durable=False) as store:
        ledger = Ledger(store, now, "03:35", IST)
        assert ledger.fresh and ledger.counters.trading_day == "2025-11-26"
        assert ledger.record(10, -40.0, now, begins, now)
        assert ledger.record(11, 90.0, now, begins, now)
        assert not ledger.record(10, -40.0, now, begins, now)  # counted once
        assert ledger.record(12, -5.0, begins - timedelta(seconds=1), begins, now)  # yesterday
        assert ledger.opened_position(77, now) and not ledger.opened_position(77, now)
        c = ledger.counters
        assert (c.daily_loss, c.daily_profit, c.daily_net, c.lifetime_loss, c.daily_trades) == (
            40.0, 90.0, 50.0, 45.0, 1)
    with Store(tmp_path / "s", durable=False) as store:  # a restart reads the same numbers
        again = Ledger(store, now, "03:35", IST)
        assert not again.fresh and again.counters == c and "10" in again.seen
        closed = again.roll(utc(2025, 11, 26, 22, 5), "03:35", IST)
        assert closed == c
        r = again.counters
        assert (r.trading_day, r.daily_loss, r.daily_profit, r.daily_trades, r.lifetime_loss) \
            == ("2025-11-27", 0.0, 0.0, 0, 45.0)
        assert again.roll(utc(2025, 11, 27, 3), "03:35", IST) is None
        assert again.roll(utc(2025, 11, 20, 3), "03:35", IST) is None  # never backwards
        assert again.counters.trading_day == "2025-11-27"
