"""HTTP on the webhook port: alerts in, health out, status and commands behind a token."""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from core.clock import Clock
from core.commands.spec import Actor, Reply, Surface
from core.config.settings import Settings
from core.domain.enums import SignalFamily
from core.signals.intake import SignalIntake

log = logging.getLogger(__name__)
StatusProvider = Callable[[], dict[str, Any]]
CommandRunner = Callable[[str, Actor, bool], Awaitable[Reply]]


@dataclass
class ServerState:
    up: bool = False
    detail: str = "not started"
    port: int | None = None


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class WebhookServer:
    """aiohttp application; every handler is fast and never blocks the loop."""

    def __init__(self, intake: SignalIntake, settings: Callable[[], Settings], clock: Clock,
                 api_token: str, status: StatusProvider, run_command: CommandRunner) -> None:
        self._intake = intake
        self._settings = settings
        self._clock = clock
        self._token = api_token
        self._status = status
        self._run_command = run_command
        self.state = ServerState()
        self._runner: web.AppRunner | None = None
        max_size = settings().webhook.max_body_bytes + 1024
        self.app = web.Application(client_max_size=max_size)
        self.app.add_routes([
            web.post("/webhook", self._webhook),
            web.post("/webhook/v3", self._webhook_v3),
            web.post("/webhook/v6", self._webhook_v6),
            web.get("/health", self._health),
            web.get("/status", self._get_status),
            web.post("/api/command", self._command),
        ])

    async def start(self, host: str, port: int) -> ServerState:
        """Bind; a failure leaves the engine running with the reason in `state`."""
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            self.state = ServerState(False, f"cannot bind {host}:{port}: {exc.strerror or exc}")
            log.error("webhook DOWN: %s", self.state.detail)
            return self.state
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        bound = sockets[0].getsockname()[1] if sockets else port
        self.state = ServerState(True, f"listening on {host}:{bound}", bound)
        log.info("webhook UP: %s", self.state.detail)
        return self.state

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.state = ServerState(False, "stopped", None)

    # -- helpers ---------------------------------------------------------------------------
    def _client_address(self, request: web.Request) -> str:
        peer = request.remote or ""
        settings = self._settings().webhook
        forwarded = request.headers.get("X-Forwarded-For")
        if forwarded and peer in settings.trusted_proxies:
            return forwarded.split(",")[0].strip()
        return peer

    def _authorized(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        return hmac.compare_digest(token.strip().encode(), self._token.encode())

    # -- alert routes --------------------------------------------------------------------------
    async def _accept(self, request: web.Request, forced: SignalFamily | None) -> web.Response:
        settings = self._settings().webhook
        client = self._client_address(request)
        if settings.ip_allowlist_enabled and client not in settings.ip_allowlist:
            log.warning("webhook: source address %s not in the allow-list", client)
            return web.json_response({"status": "unauthorized"}, status=403)
        if (request.content_length or 0) > settings.max_body_bytes:
            return web.json_response({"status": "rejected", "reason": "TOO_LARGE"}, status=413)
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"status": "rejected", "reason": "TOO_LARGE"}, status=413)
        result = await self._intake.receive_async(body, query_secret=request.query.get("secret"),
                                                  peer=client, forced=forced)
        return web.json_response(result.body, status=result.status)

    async def _webhook(self, request: web.Request) -> web.Response:
        return await self._accept(request, None)

    async def _webhook_v3(self, request: web.Request) -> web.Response:
        return await self._accept(request, SignalFamily.V3)

    async def _webhook_v6(self, request: web.Request) -> web.Response:
        return await self._accept(request, SignalFamily.V6)

    # -- operator routes -------------------------------------------------------------------------
    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "time_utc": self._clock.now().isoformat()})

    async def _get_status(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response({"status": "unauthorized"}, status=401)
        return web.json_response(self._status())

    async def _command(self, request: web.Request) -> web.Response:
        if not _is_loopback(request.remote):
            return web.json_response({"status": "forbidden", "reason": "loopback only"},
                                     status=403)
        if not self._authorized(request):
            return web.json_response({"status": "unauthorized"}, status=401)
        try:
            data = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.json_response({"status": "rejected", "reason": "body must be JSON"},
                                     status=400)
        command = data.get("command") if isinstance(data, dict) else None
        if not isinstance(command, str) or not command.strip():
            return web.json_response({"status": "rejected",
                                      "reason": "field 'command' (string) is required"},
                                     status=400)
        actor = Actor(Surface.HTTP, str(data.get("actor") or "api"), admin=True)
        reply = await self._run_command(command, actor, bool(data.get("confirm", False)))
        return web.json_response(reply.as_dict())
