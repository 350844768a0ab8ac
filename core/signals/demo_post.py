"""Posts the demo source's alerts to the engine's own webhook over real HTTP."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp

log = logging.getLogger(__name__)


class DemoAlertPoster:
    """Demo alerts travel the real HTTP path, like TradingView's (the secret is inside)."""

    def __init__(self, port: Callable[[], int | None]) -> None:
        self._port = port
        self._http: aiohttp.ClientSession | None = None

    async def post(self, alert: Any) -> None:
        port = self._port()
        if port is None:  # the webhook is not up: nothing would receive it
            return
        if self._http is None:
            self._http = aiohttp.ClientSession()
        body = alert.body
        data = json.dumps(body).encode() if isinstance(body, dict) else str(body).encode()
        try:
            async with self._http.post(f"http://127.0.0.1:{port}{alert.path}",
                                       data=data) as response:
                if response.status != 200:
                    log.warning("demo alert refused by the webhook: HTTP %s", response.status)
        except aiohttp.ClientError as exc:
            log.warning("demo alert not delivered: %s", exc)

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None
