"""Per-user menu state: the menu stack, parameters being collected, the pending confirmation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bots.telegram.callbacks import HOME, Callback, Kind

STACK_DEPTH = 20


@dataclass
class Flow:
    """A command whose parameters are being collected with pickers (§9.6.4)."""

    command: str
    args: dict[str, str]
    ask_optional: bool
    expires: float
    awaiting: str | None = None  # parameter expected as the next text message


@dataclass
class Pending:
    """A command waiting on its confirmation screen (§9.6.5)."""

    command: str
    display: str
    expires: float
    line: str | None = None  # typed commands run again from their line
    args: dict[str, str] | None = None  # button flows run again from their arguments


@dataclass
class UserState:
    stack: list[Callback] = field(default_factory=list)
    current: Callback | None = None
    flow: Flow | None = None
    pending: Pending | None = None


def revisitable(cb: Callback | None) -> bool:
    """Only screens that are safe to show again go on the stack (never a command run)."""
    if cb is None:
        return False
    return cb.kind in (Kind.MENU, Kind.HELP) or (cb.kind is Kind.ACTION
                                                 and cb.name == "dashboard")


class Sessions:
    """State per (bot, user); navigation is per bot because each bot has its own chat."""

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._monotonic = monotonic
        self._states: dict[tuple[str, int], UserState] = {}

    def get(self, bot: str, user: int) -> UserState:
        return self._states.setdefault((bot, user), UserState())

    def now(self) -> float:
        return self._monotonic()

    def push(self, state: UserState, cb: Callback) -> None:
        if revisitable(state.current) and state.current != cb:
            state.stack.append(state.current)  # type: ignore[arg-type]
            del state.stack[:-STACK_DEPTH]
        state.current = cb

    def back(self, state: UserState) -> Callback:
        state.current = state.stack.pop() if state.stack else HOME
        return state.current

    def home(self, state: UserState) -> None:
        state.stack.clear()
        state.current = HOME
        state.flow = None

    def live_flow(self, state: UserState) -> Flow | None:
        if state.flow is not None and state.flow.expires < self._monotonic():
            state.flow = None
        return state.flow

    def take_pending(self, state: UserState, command: str) -> Pending | None:
        """The pending command if it matches and has not expired; cleared either way."""
        pending, state.pending = state.pending, None
        if pending is None or pending.command != command or pending.expires < self._monotonic():
            return None
        return pending
