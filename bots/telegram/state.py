"""Per-user menu state: the menu stack, parameters being collected, the pending confirmation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bots.telegram.callbacks import HOME, Callback, Kind
from bots.telegram.config import ChatId

STACK_DEPTH = 20


@dataclass
class Flow:
    """A command whose parameters are being collected with pickers (§9.6.4)."""

    command: str
    args: dict[str, str]
    ask_optional: bool
    expires: float
    awaiting: str | None = None  # parameter expected as the next text message
    family: str = "both"  # plugin family the command runs for (§9.6.6)


@dataclass
class Pending:
    """A command waiting on its confirmation screen (§9.6.5)."""

    command: str
    display: str
    expires: float
    line: str | None = None  # typed commands run again from their line
    args: dict[str, str] | None = None  # button flows run again from their arguments
    family: str = "both"


@dataclass
class Asked:
    """A plugin-aware command waiting for its plugin family (§9.6.6)."""

    command: str
    text: str | None  # typed commands continue from their text; menu picks from pickers
    expires: float


@dataclass(frozen=True)
class Shown:
    """The last analytics report shown (prev/next and export buttons start from it)."""

    command: str
    key: str  # period_key of a daily/weekly/monthly report, or the period (today, 7d...)
    family: str


@dataclass
class UserState:
    stack: list[Callback] = field(default_factory=list)
    current: Callback | None = None
    flow: Flow | None = None
    pending: Pending | None = None
    asked: Asked | None = None
    report: Shown | None = None


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
        self._families: dict[tuple[str, ChatId], tuple[str, float]] = {}

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

    def family(self, bot: str, chat: ChatId) -> str | None:
        """The plugin family chosen in this chat, while it is remembered (§9.6.6)."""
        chosen = self._families.get((bot, chat))
        if chosen is None or chosen[1] < self._monotonic():
            self._families.pop((bot, chat), None)
            return None
        return chosen[0]

    def choose_family(self, bot: str, chat: ChatId, family: str, ttl: float) -> None:
        self._families[(bot, chat)] = (family, self._monotonic() + ttl)

    def take_asked(self, state: UserState, command: str) -> Asked | None:
        asked, state.asked = state.asked, None
        if asked is None or asked.command != command or asked.expires < self._monotonic():
            return None
        return asked

    def take_pending(self, state: UserState, command: str) -> Pending | None:
        """The pending command if it matches and has not expired; cleared either way."""
        pending, state.pending = state.pending, None
        if pending is None or pending.command != command or pending.expires < self._monotonic():
            return None
        return pending
