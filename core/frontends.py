"""Front ends the engine starts by discovery (entry-point group `v5console.frontends`).

The engine never imports a front end by name (core stays headless); the Telegram bots register
themselves in pyproject.toml the way a third-party front end would.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from core.engine import Engine

log = logging.getLogger(__name__)
GROUP = "v5console.frontends"


class Frontend(Protocol):
    """Something that talks to the operator (Telegram bots...)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


FrontendFactory = Callable[["Engine"], Frontend | None]


def discover() -> dict[str, FrontendFactory]:
    """Factories by entry-point name; one that fails to import is logged and skipped."""
    found: dict[str, FrontendFactory] = {}
    for ep in entry_points(group=GROUP):
        try:
            factory: Any = ep.load()
        except Exception:  # a broken front end must not stop the engine
            log.exception("front end %s could not be loaded", ep.name)
            continue
        found[ep.name] = factory
    return found


def names() -> list[str]:
    """Names of the installed front ends, without importing them."""
    return sorted(ep.name for ep in entry_points(group=GROUP))


async def start_all(engine: Engine, set_service: Callable[[str, bool, str], None]
                    ) -> tuple[list[Frontend], list[str]]:
    """SPEC §3.11 step 7: start every discovered front end; one that fails degrades to
    "without it", logged CRITICAL, and the others still start."""
    frontends: list[Frontend] = []
    started: list[str] = []
    for name, factory in discover().items():
        try:
            frontend = factory(engine)
            if frontend is None:  # not configured (no token...): the factory logged why
                set_service(name, False, "off")
                continue
            await frontend.start()
        except Exception as exc:
            log.critical("front end %s failed to start: %s", name, exc)
            set_service(name, False, f"failed: {exc}")
            continue
        frontends.append(frontend)
        started.append(name)
    return frontends, started
