"""What each button, command or typed value leads to: views built from registry replies."""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bots.telegram import features, menus, texts
from bots.telegram.auth import CommandRate
from bots.telegram.callbacks import SKIP, Callback, Kind
from bots.telegram.config import TITLES, ChatId, accepts
from bots.telegram.family import family_text, implied_family
from bots.telegram.menus import Keyboard, MenuModel
from bots.telegram.render import Line, chunk, escape
from bots.telegram.state import Asked, Flow, Pending, Sessions, UserState
from core.commands.registry import take_family
from core.commands.spec import Actor, CommandError, CommandSpec, Param, Reply, Surface

if TYPE_CHECKING:
    from core.engine import Engine

EXPIRED = "expired — start again"
RATE_NOTICE = "one command per {s:g} s — ignored, try again in a moment"


@dataclass
class View:
    """One message to send, or to edit in place for callbacks (`edit`)."""

    chunks: list[str] = field(default_factory=list)
    keyboard: Keyboard | None = None
    reply_keyboard: list[list[str]] | None = None
    notice: str = ""  # callback answer text
    edit: bool = True
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, photo | document)


@dataclass(frozen=True, slots=True)
class Who:
    bot: str
    roles: tuple[str, ...]
    user: int
    admin: bool
    chat: ChatId | None = None

    @property
    def where(self) -> ChatId:
        """The chat the plugin context belongs to (the user's private chat by default)."""
        return self.chat if self.chat is not None else self.user

    @property
    def actor(self) -> Actor:
        return Actor(Surface.TELEGRAM, str(self.user), admin=self.admin)


def text_view(text: str, keyboard: Keyboard | None = None, notice: str = "") -> View:
    return View(chunk([Line(part) for part in text.split("\n")]), keyboard, notice=notice)


class Navigator:
    """Menus, pickers, confirmations and quick actions for every bot (role-filtered)."""

    def __init__(self, engine: Engine, sessions: Sessions, rate: CommandRate,
                 refresh_header: Callable[[str, bool], Awaitable[str]]) -> None:
        self.engine = engine
        self.sessions = sessions
        self.rate = rate
        self.refresh_header = refresh_header
        self._models: dict[tuple[str, ...], MenuModel] = {}

    def model(self, roles: tuple[str, ...]) -> MenuModel:
        if roles not in self._models:
            self._models[roles] = MenuModel(self.engine.registry, roles)
        return self._models[roles]

    def _ttl(self) -> float:
        return float(self.engine.settings.telegram.menu.pending_command_ttl_seconds)

    def _family(self, who: Who) -> str | None:
        return self.sessions.family(who.bot, who.where)

    def _note_family(self, who: Who, *names: str) -> None:
        """`/logic*`, `/v3` → V3 and `/tf*`, `/v6*` → V6 for this chat (§9.6.6)."""
        implied = next((f for n in names if (f := implied_family(n))), None)
        if implied is not None:
            self.sessions.choose_family(who.bot, who.where, implied, self._family_ttl())

    def _family_ttl(self) -> float:
        return float(self.engine.settings.telegram.menu.plugin_context_ttl_seconds)

    def _ask_family(self, state: UserState, spec: CommandSpec, text: str | None) -> View:
        state.asked = Asked(spec.name, text, self.sessions.now() + self._ttl())
        return View([family_text(spec, self._family_ttl())], menus.family_menu(spec),
                    edit=text is None)

    def _limited(self, who: Who) -> View | None:
        allowed, notice = self.rate.check(who.user)
        if allowed:
            return None
        text = RATE_NOTICE.format(s=self.engine.settings.telegram.command_rate_limit_seconds)
        return View([f"⏳ {escape(text)}"] if notice else [], notice=text, edit=False)

    # -- typed text ------------------------------------------------------------------------
    async def on_text(self, who: Who, text: str) -> list[View]:
        text = text.strip()
        state = self.sessions.get(who.bot, who.user)
        if text.startswith("/"):
            return await self._typed(who, state, text)
        cb = menus.reply_label(self.model(who.roles), text)
        if cb is not None:  # a reply-keyboard button: it also abandons a pending Custom…
            state.flow = None
            views = await self.on_callback(who, cb)
            for view in views:
                view.edit = False
            return views
        flow = self.sessions.live_flow(state)
        if flow is not None and flow.awaiting:
            return [await self._custom_value(who, state, flow, text)]
        return [text_view("Send a command such as /status, or open /menu.")]

    async def _typed(self, who: Who, state: UserState, text: str) -> list[View]:
        state.flow = None
        limited = self._limited(who)
        if limited is not None:
            return [limited]
        return await self._run_typed(who, state, text)

    async def _run_typed(self, who: Who, state: UserState, text: str,
                         edit: bool = False) -> list[View]:
        try:
            words = shlex.split(text)
        except ValueError as exc:
            return [text_view(f"⚠️ cannot read the command: {exc}")]
        name = words[0].lstrip("/").split("@", 1)[0].lower()
        registry = self.engine.registry
        if name in ("start", "menu"):
            views = []
            if name in registry:
                reply = await self.engine.execute(shlex.join([f"/{name}", *words[1:]]),
                                                  who.actor)
                if not reply.ok:  # else the menu below is /start's answer (audited above)
                    views.append(View(texts.result_chunks(reply), edit=False))
            return views + await self.start(who)
        try:
            spec, preset = registry.resolve(name)
        except CommandError as exc:
            return [text_view(f"⚠️ {exc}")]
        if not accepts(who.roles, spec):
            return [text_view(f"/{spec.name} is served by the Controller bot.")]
        self._note_family(who, name, spec.name)
        family = "both"
        if spec.plugin_aware:
            try:
                bare, typed = take_family(text)
            except CommandError as exc:
                return [text_view(f"⚠️ {exc}")]
            chosen = typed or self._family(who)
            if chosen is None:
                return [self._ask_family(state, spec, text)]
            family, words = chosen, shlex.split(bare)
        values = [*preset, *words[1:]]
        needed = max((i + 1 for i, p in enumerate(spec.params) if p.required), default=0)
        if len(values) < needed:
            try:
                args = {p.name: _canonical(p, v) for p, v in zip(spec.params, values,
                                                                 strict=False)}
            except CommandError as exc:
                return [text_view(f"⚠️ {exc}")]
            state.flow = Flow(spec.name, args, False, self.sessions.now() + self._ttl(),
                              family=family)
            return [await self._next(who, state, edit=edit)]
        line = shlex.join([f"/{name}", *words[1:]])
        reply = await self.engine.registry.invoke(self.engine, line, who.actor, family=family)
        return [self._outcome(who, state, spec, reply, line=line, args=None, buttons=edit,
                              family=family)]

    async def start(self, who: Who) -> list[View]:
        """/start and /menu: the reply keyboard (Controller), the inline main menu, header."""
        state = self.sessions.get(who.bot, who.user)
        self.sessions.home(state)
        await self.refresh_header(who.bot, False)
        model = self.model(who.roles)
        views = []
        keys = menus.reply_keyboard(model)
        if keys:
            views.append(View(["⌨️ Quick keys are at the bottom of the chat."],
                              reply_keyboard=keys, edit=False))
        views.append(self._main(who, edit=False))
        return views

    def _main(self, who: Who, edit: bool = True) -> View:
        title = " + ".join(TITLES[r] for r in who.roles)
        return View([texts.main_text(self.engine, title)],
                    menus.main_menu(self.model(who.roles)), edit=edit)

    # -- buttons ---------------------------------------------------------------------------
    async def on_callback(self, who: Who, cb: Callback | None) -> list[View]:
        state = self.sessions.get(who.bot, who.user)
        model = self.model(who.roles)
        if cb is None:
            return [text_view(f"⌛ {EXPIRED.capitalize()}.", menus.home_only(), EXPIRED)]
        if not model.exists(cb):
            return [text_view("This button is no longer available.", menus.home_only(),
                              "not available")]
        match cb.kind:
            case Kind.NOOP:
                return [View()]
            case Kind.BACK:
                return await self._show(who, state, self.sessions.back(state))
            case Kind.MENU if cb.name == "main":
                self.sessions.home(state)
                state.pending = state.asked = None
                return [self._main(who)]
            case Kind.MENU:
                state.pending = None  # Cancel (or leaving) abandons a confirmation
            case Kind.PARAM | Kind.CUSTOM:
                return [await self._param(who, state, cb)]
            case Kind.EXECUTE:
                return [await self._execute(who, state, cb.name)]
            case Kind.PLUGIN:
                return await self._family_chosen(who, state, cb)
        if cb.kind is not Kind.MENU:
            limited = self._limited(who)
            if limited is not None:
                return [limited]
        if cb.kind is Kind.FEATURE:
            return [await self._feature(who, state, cb)]
        self.sessions.push(state, cb)
        return await self._show(who, state, cb)

    async def _show(self, who: Who, state: UserState, cb: Callback) -> list[View]:
        """Render a screen: menus, help pages, a command's first step, quick actions."""
        model = self.model(who.roles)
        if cb.kind is Kind.MENU:
            if cb.name == "main":
                return [self._main(who)]
            if cb.name in menus.SUBMENUS:
                label = menus.SUBMENUS[cb.name][0]
                return [View([f"<b>{escape(label)}</b>"], menus.submenu(model, cb.name))]
            label = next(v for c, v in menus.CATEGORY_LABELS.items() if c.key == cb.name)
            return [View([f"<b>{escape(label)}</b>\nChoose a command:"],
                         menus.category_menu(model, cb.name))]
        if cb.kind is Kind.HELP:
            reply = await self.engine.execute(f"/help {cb.name.upper()}", who.actor)
            return [View(texts.result_chunks(reply), menus.help_menu(model))]
        if cb.kind is Kind.CMD:
            spec = self.engine.registry.get(cb.name)
            self._note_family(who, spec.name)
            family = self._family(who) if spec.plugin_aware else "both"
            if family is None:
                return [self._ask_family(state, spec, None)]
            state.flow = Flow(cb.name, {}, True, self.sessions.now() + self._ttl(),
                              family=family)
            return [await self._next(who, state)]
        return await self._action(who, state, cb.name)

    async def _family_chosen(self, who: Who, state: UserState, cb: Callback) -> list[View]:
        """`plugin_select_<family>_<cmd>`: remember the family, then carry on with the command."""
        self.sessions.choose_family(who.bot, who.where, cb.value, self._family_ttl())
        asked = self.sessions.take_asked(state, cb.name)
        if asked is not None and asked.text is not None:
            return await self._run_typed(who, state, asked.text, edit=True)
        state.flow = Flow(cb.name, {}, True, self.sessions.now() + self._ttl(), family=cb.value)
        return [await self._next(who, state)]

    async def _feature(self, who: Who, state: UserState, cb: Callback) -> View:
        """A feature sub-menu button (§10.3): one registry command, then its screen again."""
        step = features.route(self.engine, state, cb)
        if step.error:
            return text_view(f"⚠️ {step.error}", menus.back_home(), step.error)
        if step.flow is not None:
            command, args = step.flow
            state.flow = Flow(command, args, False, self.sessions.now() + self._ttl(),
                              family=step.family)
            return await self._next(who, state)
        spec, _ = self.engine.registry.resolve(step.line.split()[0])
        reply = await self.engine.registry.invoke(self.engine, step.line, who.actor,
                                                  family=step.family)
        return self._outcome(who, state, spec, reply, line=step.line, args=None,
                             family=step.family, focus=step.focus)

    async def _action(self, who: Who, state: UserState, name: str) -> list[View]:
        model = self.model(who.roles)
        if name == "refresh_header":
            return [View(notice=await self.refresh_header(who.bot, True))]
        if name == "dashboard":
            status = await self.engine.execute("/status", who.actor)
            positions = await self.engine.execute("/positions", who.actor)
            return [View(texts.dashboard_chunks(self.engine, status, positions),
                         menus.dashboard_menu(model))]
        if name == "help":
            reply = await self.engine.execute("/help", who.actor)
            return [View(texts.result_chunks(reply), menus.help_menu(model))]
        if name == "pause_resume":
            trading = self.engine.trading
            command = "resume" if trading is not None and trading.paused else "pause"
        else:
            command = menus.ACTION_COMMAND[name]
        spec = self.engine.registry.get(command)
        family = self._family(who) if spec.plugin_aware else None  # quick keys never ask
        reply = await self.engine.registry.invoke(self.engine, f"/{command}", who.actor,
                                                  family=family)
        return [self._outcome(who, state, spec, reply, line=f"/{command}", args=None,
                              family=family or "both")]

    async def _param(self, who: Who, state: UserState, cb: Callback) -> View:
        spec = self.engine.registry.get(cb.name)
        flow = self.sessions.live_flow(state)
        if flow is None or flow.command != spec.name:
            family = (self._family(who) or "both") if spec.plugin_aware else "both"
            flow = state.flow = Flow(spec.name, {}, True, self.sessions.now() + self._ttl(),
                                     family=family)
        param = _param_for(spec, cb.ptype, flow.args)
        if param is None:
            return text_view("This button is no longer available.", menus.home_only())
        if cb.kind is Kind.CUSTOM:
            flow.awaiting = param.name
            return View([texts.custom_prompt(spec, param)], menus.back_home())
        if cb.value == SKIP and not param.required:
            flow.args[param.name] = SKIP
        else:
            try:
                flow.args[param.name] = _canonical(param, cb.value)
            except CommandError as exc:
                return text_view(f"⚠️ {exc}", menus.picker(spec, param))
        return await self._next(who, state)

    async def _custom_value(self, who: Who, state: UserState, flow: Flow, text: str) -> View:
        spec = self.engine.registry.get(flow.command)
        param = next(p for p in spec.params if p.name == flow.awaiting)
        try:
            flow.args[param.name] = _canonical(param, text)
        except CommandError as exc:
            return text_view(f"⚠️ {exc}\nSend another value, or use the buttons.",
                             menus.back_home())
        flow.awaiting = None
        return await self._next(who, state, edit=False)

    async def _next(self, who: Who, state: UserState, edit: bool = True) -> View:
        """The next picker, or run the command once every parameter is known."""
        flow = state.flow
        assert flow is not None
        spec = self.engine.registry.get(flow.command)
        for param in spec.params:
            if param.name not in flow.args and (param.required or flow.ask_optional):
                return View([texts.picker_text(spec, param, flow.args)],
                            menus.picker(spec, param), edit=edit)
        state.flow = None
        args = {k: v for k, v in flow.args.items() if v != SKIP}
        reply = await self.engine.registry.invoke(self.engine, f"/{spec.name}", who.actor,
                                                  False, args=args, family=flow.family)
        view = self._outcome(who, state, spec, reply, line=None, args=args, family=flow.family)
        view.edit = edit
        return view

    async def _execute(self, who: Who, state: UserState, command: str) -> View:
        pending = self.sessions.take_pending(state, command)
        if pending is None:
            return text_view(f"⌛ /{command}: {EXPIRED}.", menus.home_only(), EXPIRED)
        registry = self.engine.registry
        if pending.line is not None:
            reply = await registry.invoke(self.engine, pending.line, who.actor, True,
                                          family=pending.family)
        else:
            reply = await registry.invoke(self.engine, f"/{command}", who.actor, True,
                                          args=pending.args, family=pending.family)
        return self._outcome(who, state, registry.get(command), reply, line=None, args=None)

    def _outcome(self, who: Who, state: UserState, spec: CommandSpec, reply: Reply, *,
                 line: str | None, args: dict[str, str] | None, buttons: bool = True,
                 family: str = "both", focus: str | None = None) -> View:
        if reply.needs_confirmation:
            state.pending = Pending(spec.name, reply.command_line,
                                    self.sessions.now() + self._ttl(), line, args, family)
            return View([texts.confirm_text(reply, args, self._ttl())],
                        menus.confirmation(spec), edit=buttons)
        features.remember(state, spec.name, reply)
        text, extra = features.screen(self.engine, self.model(who.roles), spec.name, reply,
                                      focus)
        keyboard = [*extra, *menus.back_home()] if buttons else extra or None
        return View([text] if text else texts.result_chunks(reply), keyboard, edit=buttons,
                    files=texts.reply_files(reply))


def _param_for(spec: CommandSpec, ptype: str, collected: dict[str, str]) -> Param | None:
    """The parameter a `param_<type>_<cmd>` button fills: the first of that type still open."""
    typed = [p for p in spec.params if p.type == ptype]
    open_ = [p for p in typed if p.name not in collected]
    return open_[0] if open_ else (typed[-1] if typed else None)


def _canonical(param: Param, raw: str) -> str:
    """Validated by the registry's rule; numbers keep their typed form (`500`, not `500.0`)."""
    value = param.parse(raw)
    return raw.strip() if isinstance(value, int | float) else str(value)
