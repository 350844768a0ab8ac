"""SYSTEM commands: /status, /pause, /resume, /help (SPEC §10.2.1)."""

from __future__ import annotations

from core.clock import fmt_header
from core.commands.spec import Category, CommandContext, CommandError, CommandSpec, Param, Reply
from core.domain.enums import PauseReason, Severity


def money(value: float | None) -> str:
    return "—" if value is None else f"${value:,.2f}"


async def status(ctx: CommandContext) -> Reply:
    engine = ctx.engine
    trading = engine.trading
    if trading is None:
        raise CommandError("the engine is not started")
    account = trading.account
    state = f"PAUSED ({trading.pause_reason})" if trading.paused else "RUNNING"
    floating = sum(p.profit for p in trading.positions.values())
    lines = [
        f"{state} · {engine.settings.trading.mode.upper()} · bridge {engine.settings.bridge.mode}",
        f"Time: {fmt_header(engine.clock.now(), engine.settings.display.timezone)}",
        f"Balance {money(account.balance if account else None)} · "
        f"Equity {money(account.equity if account else None)}",
        f"Open trades: {len(trading.positions)} · floating {money(floating)}",
    ]
    for name, (up, detail) in sorted(engine.services.items()):
        lines.append(f"{name}: {'UP' if up else 'DOWN'} — {detail}")
    return Reply(title="Status", lines=tuple(lines), data=engine.status_dict())


async def pause(ctx: CommandContext) -> Reply:
    trading = ctx.engine.trading
    if trading is None:
        raise CommandError("the engine is not started")
    if trading.paused:
        return Reply(title="Already paused", lines=(f"reason: {trading.pause_reason}",),
                     data={"paused": True})
    trading.pause(PauseReason.MANUAL)
    return Reply(title="Trading paused",
                 lines=("New orders are blocked; open positions are still managed.",),
                 severity=Severity.HIGH, data={"paused": True})


async def resume(ctx: CommandContext) -> Reply:
    trading = ctx.engine.trading
    if trading is None:
        raise CommandError("the engine is not started")
    capped = ctx.engine.risk.cap_block() if ctx.engine.risk is not None else None
    if capped is not None and capped.code:  # SPEC §5.5.1: /resume does not lift a cap block
        until = ("the next daily reset" if capped.code == "DAILY_CAP"
                 else "/clear_loss_data or a higher cap")
        raise CommandError(f"refused: {capped.text.removeprefix('blocked: ')}; new orders "
                           f"stay blocked until {until}")
    if not trading.paused:
        return Reply(title="Already running", data={"paused": False})
    if trading.pause_reason == PauseReason.MT5_DOWN.value and not trading.broker.connected:
        raise CommandError("MT5 is down; trading resumes when the link is back")
    trading.resume()
    return Reply(title="Trading resumed", severity=Severity.HIGH, data={"paused": False})


async def help_(ctx: CommandContext) -> Reply:
    """SPEC §10.1: grouped by category, 🔒 admin-only, ⚠ confirmation; aliases never listed
    as commands; one `help_<cat>` page button per category (the console palette's groups)."""
    registry = ctx.engine.registry
    wanted = ctx.args.get("category")
    lines: list[str] = []
    pages: dict[str, list[str]] = {}
    for category in Category:
        specs = registry.specs(category)
        if not specs:
            continue
        pages[category.value] = [s.name for s in specs]
        if wanted and category.value != wanted:
            continue
        lines.append(f"{category.value} ({len(specs)})")
        for spec in specs:
            marks = ("🔒" if spec.admin else "") + ("⚠" if spec.confirm else "")
            aliases = ", ".join("/" + a.name for a in spec.aliases)
            lines.append(f"  {spec.usage()} {marks + ' ' if marks else ''}— {spec.summary}"
                         + (f" (aliases: {aliases})" if aliases else ""))
    lines.append("🔒 admin only · ⚠ asks for confirmation · /help CATEGORY shows one page")
    return Reply(title="Commands" + (f" · {wanted}" if wanted else ""), lines=tuple(lines),
                 data={"categories": pages, "category": wanted,
                       "buttons": [f"help_{c.lower()}" for c in pages]})


COMMANDS = (
    CommandSpec("status", Category.SYSTEM, "Running/paused, mode, account, open trades, links",
                status),
    CommandSpec("pause", Category.SYSTEM, "Pause trading: no new orders; management continues",
                pause, confirm=True,
                effect="Blocks every new order until /resume; open positions stay managed."),
    CommandSpec("resume", Category.SYSTEM,
                "Resume trading (refused while a loss cap is hit or MT5 is down)", resume),
    CommandSpec("help", Category.SYSTEM, "Commands grouped by category", help_,
                params=(Param("category", "category", required=False,
                              choices=tuple(c.value for c in Category)),)),
)
