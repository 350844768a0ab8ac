"""The callback-data codec (SPEC §10.3): one encoder enforcing 64 bytes, `ref_` payloads."""

from __future__ import annotations

import re
import secrets
import string
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from core.commands.spec import FAMILIES

MAX_BYTES = 64
REF_LENGTH = 8
REF_ALPHABET = string.ascii_lowercase + string.digits
NAME_RE = re.compile(r"^[a-z0-9_]+$")
CATEGORY_RE = re.compile(r"^[a-z0-9]+$")
VALUE_RE = re.compile(r"^[A-Za-z0-9.:+\-]+$")
REF_RE = re.compile(rf"^ref_[{REF_ALPHABET}]{{{REF_LENGTH}}}$")
FEATURE_VALUE_RE = re.compile(r"^[A-Za-z0-9_.:+\-]+$")
PLUGIN_PREFIX = "plugin_select_"
# Feature sub-menus of §10.3 (`pos_partial` extends `pos_<close|be|trail|info>`): the key and
# the command its buttons run; matched longest first, the rest of the string is the value.
FEATURES: dict[str, str] = {
    "session_edit": "session", "session_toggle": "symbol_filter", "session_time": "time_adjust",
    "session_force": "force_close", "notif_cat": "notifications", "notif_type": "notifications",
    "notif_filter": "notifications", "notif_priority": "notifications",
    "notif_quiet": "notifications", "notif_v6tf": "notifications",
    "notif_reset": "notifications", "pos_close": "close", "pos_partial": "partial",
    "analytics_daily": "daily", "analytics_weekly": "weekly", "analytics_monthly": "monthly",
    "analytics_export": "export",
}
_FEATURE_ORDER = sorted(FEATURES, key=len, reverse=True)
SKIP = "-"  # param value meaning "use the default" (optional parameters only)
# Picker types of SPEC §9.6.4; parsing matches the longest first (§10.3).
SPEC_TYPES = (
    "symbol", "trend_tf", "v6_tf", "trend", "logic", "plugin", "amount", "daily_cap",
    "lifetime_cap", "percent", "sl_percent", "lot_size", "multiplier", "tier", "sl_system",
    "profit_sl_mode", "interval", "cooldown", "recovery_minutes", "max_levels", "sl_reduction",
    "sl_offset", "profit_targets", "chain_multipliers", "protection_mode",
    "sl_reduction_strategy", "bridge_mode", "session_id", "time_shift", "period", "date",
    "start_date", "end_date", "log_level", "minutes", "switch", "chain_id",
)


class Kind(StrEnum):
    MENU = "menu"
    CMD = "cmd"
    PARAM = "param"
    CUSTOM = "custom"
    EXECUTE = "execute"
    BACK = "nav_back"
    HELP = "help"
    ACTION = "action"
    NOOP = "noop"
    PLUGIN = "plugin_select"
    FEATURE = "feature"


@dataclass(frozen=True, slots=True)
class Callback:
    """The meaning of one button, independent of how it is spelled in callback data."""

    kind: Kind
    name: str = ""  # menu, command, action, or help category
    category: str = ""  # cmd_: category key of the command
    ptype: str = ""  # param_: picker type
    value: str = ""  # param_: the value (SKIP = default); plugin_select_: the family;
    # feature: what follows the key (`session_time` + `london_start_+30`)


def menu(name: str) -> Callback:
    return Callback(Kind.MENU, name)


def action(name: str) -> Callback:
    return Callback(Kind.ACTION, name)


def feature(key: str, value: str = "") -> Callback:
    return Callback(Kind.FEATURE, key, value=value)


def feature_command(cb: Callback) -> str:
    """The registry command a feature button runs (`session_toggle_master` → session_master)."""
    if cb.name == "session_toggle" and cb.value == "master":
        return "session_master"
    return FEATURES[cb.name]


HOME = menu("main")
BACK = Callback(Kind.BACK)
NOOP = Callback(Kind.NOOP)


def spell(cb: Callback) -> str:
    """The literal §10.3 form (may be invalid or too long; `Codec.encode` checks)."""
    match cb.kind:
        case Kind.CMD:
            return f"cmd_{cb.category}_{cb.name}"
        case Kind.PARAM:
            return f"param_{cb.ptype}_{cb.name}_{cb.value}"
        case Kind.CUSTOM:
            return f"param_custom_{cb.ptype}_{cb.name}"
        case Kind.BACK | Kind.NOOP:
            return cb.kind.value
        case Kind.PLUGIN:
            return f"{PLUGIN_PREFIX}{cb.value}_{cb.name}"
        case Kind.FEATURE:
            return f"{cb.name}_{cb.value}" if cb.value else cb.name
        case _:
            return f"{cb.kind.value}_{cb.name}"


def _well_formed(cb: Callback) -> bool:
    if cb.kind in (Kind.BACK, Kind.NOOP):
        return not (cb.name or cb.category or cb.ptype or cb.value)
    if cb.kind is Kind.FEATURE:
        return cb.name in FEATURES and not (cb.category or cb.ptype) and (
            not cb.value or bool(FEATURE_VALUE_RE.match(cb.value)))
    if cb.kind is Kind.PLUGIN and cb.value not in FAMILIES:
        return False
    if not NAME_RE.match(cb.name):
        return False
    if cb.kind is Kind.CMD and not CATEGORY_RE.match(cb.category):
        return False
    if cb.kind in (Kind.PARAM, Kind.CUSTOM) and (not NAME_RE.match(cb.ptype)
                                                 or cb.ptype == "custom"):
        return False
    return cb.kind is not Kind.PARAM or bool(VALUE_RE.match(cb.value))


class RefStore:
    """Server-side payloads for callbacks that do not fit; kept `ttl` seconds after last use."""

    def __init__(self, ttl: Callable[[], float], monotonic: Callable[[], float],
                 capacity: int = 50_000) -> None:
        self._ttl = ttl
        self._monotonic = monotonic
        self._capacity = capacity
        self._by_id: OrderedDict[str, tuple[Callback, float]] = OrderedDict()
        self._by_payload: dict[Callback, str] = {}

    def __len__(self) -> int:
        return len(self._by_id)

    def put(self, cb: Callback) -> str:
        now = self._monotonic()
        ref = self._by_payload.get(cb)
        if ref is None or ref not in self._by_id:
            ref = "ref_" + "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))
            while ref in self._by_id:
                ref = "ref_" + "".join(secrets.choice(REF_ALPHABET) for _ in range(REF_LENGTH))
        self._by_id[ref] = (cb, now + self._ttl())
        self._by_id.move_to_end(ref)
        self._by_payload[cb] = ref
        self._prune(now)
        return ref

    def get(self, ref: str) -> Callback | None:
        found = self._by_id.get(ref)
        if found is None or found[1] < self._monotonic():
            return None
        return found[0]

    def _prune(self, now: float) -> None:
        while self._by_id:
            ref, (cb, expires) = next(iter(self._by_id.items()))
            if expires >= now and len(self._by_id) <= self._capacity:
                break
            del self._by_id[ref]
            if self._by_payload.get(cb) == ref:
                del self._by_payload[cb]


class Codec:
    """Callback ⇄ callback data; anything invalid, ambiguous or > 64 bytes becomes `ref_`."""

    def __init__(self, commands: Callable[[], Iterable[str]],
                 types: Callable[[], Iterable[str]], refs: RefStore) -> None:
        self._commands = commands
        self._types = types
        self.refs = refs

    def encode(self, cb: Callback) -> str:
        text = spell(cb)
        if (_well_formed(cb) and len(text.encode("utf-8")) <= MAX_BYTES
                and self._parse(text) == cb):
            return text
        return self.refs.put(cb)

    def decode(self, data: str | None) -> Callback | None:
        if not data:
            return None
        if REF_RE.match(data):
            return self.refs.get(data)
        return self._parse(data)

    def _parse(self, text: str) -> Callback | None:
        if text in (Kind.BACK.value, Kind.NOOP.value):
            return Callback(Kind(text))
        if text.startswith(PLUGIN_PREFIX):
            family, _, name = text[len(PLUGIN_PREFIX):].partition("_")
            ok = family in FAMILIES and NAME_RE.match(name)
            return Callback(Kind.PLUGIN, name, value=family) if ok else None
        for key in _FEATURE_ORDER:
            if text == key:
                return feature(key)
            if text.startswith(key + "_"):
                value = text[len(key) + 1:]
                return feature(key, value) if FEATURE_VALUE_RE.match(value) else None
        prefix, _, rest = text.partition("_")
        if not rest:
            return None
        if prefix in ("menu", "execute", "help", "action"):
            return Callback(Kind(prefix), rest) if NAME_RE.match(rest) else None
        if prefix == "cmd":
            category, _, name = rest.partition("_")
            ok = CATEGORY_RE.match(category) and NAME_RE.match(name)
            return Callback(Kind.CMD, name, category=category) if ok else None
        if prefix == "param":
            return self._parse_param(rest)
        return None

    def _parse_param(self, rest: str) -> Callback | None:
        types = sorted({*SPEC_TYPES, *self._types()} - {"custom"}, key=len, reverse=True)
        commands = sorted(set(self._commands()), key=len, reverse=True)
        if rest.startswith("custom_"):
            body = rest[len("custom_"):]
            for ptype in types:
                if body.startswith(ptype + "_") and body[len(ptype) + 1:] in commands:
                    return Callback(Kind.CUSTOM, body[len(ptype) + 1:], ptype=ptype)
            return None
        for ptype in types:
            if not rest.startswith(ptype + "_"):
                continue
            remainder = rest[len(ptype) + 1:]
            for name in commands:
                value = remainder[len(name) + 1:]
                if remainder.startswith(name + "_") and VALUE_RE.match(value):
                    return Callback(Kind.PARAM, name, ptype=ptype, value=value)
        return None


def make_codec(commands: Callable[[], Iterable[str]], types: Callable[[], Iterable[str]],
               ttl: Callable[[], float] = lambda: 3600.0,
               monotonic: Callable[[], float] = time.monotonic) -> Codec:
    return Codec(commands, types, RefStore(ttl, monotonic))
