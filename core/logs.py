"""Logging: secrets redacted everywhere, a rotating UTF-8 file, and records on the event bus."""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path

from core.events import EventBus, LogEmitted

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class RedactingFilter(logging.Filter):
    """Replaces every configured secret value in a record's final message."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, "***")
            record.msg, record.args = message, None
        return True


class BusHandler(logging.Handler):
    """Publishes log records as LogEmitted events (the console's log pane)."""

    def __init__(self, bus: EventBus) -> None:
        super().__init__(logging.INFO)
        self.bus = bus

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.bus.publish(LogEmitted(datetime.fromtimestamp(record.created, UTC),
                                        record.levelname, record.name, record.getMessage()))
        except Exception:  # logging must never raise into the engine
            self.handleError(record)


def configure_logging(data_dir: Path, level: str, secrets: list[str], bus: EventBus,
                      to_stderr: bool, max_mb: int = 10, backups: int = 5) -> list[logging.Handler]:
    """Attach handlers to the `core`, `console` and `bots` loggers; returns them for removal."""
    redact = RedactingFilter(secrets)
    (data_dir / "logs").mkdir(parents=True, exist_ok=True)
    file_handler = RotatingFileHandler(data_dir / "logs" / "v5.log", maxBytes=max_mb * 2**20,
                                       backupCount=backups, encoding="utf-8")
    handlers: list[logging.Handler] = [file_handler, BusHandler(bus)]
    if to_stderr:
        handlers.append(logging.StreamHandler(sys.stderr))
    for handler in handlers:
        handler.addFilter(redact)
        if handler.formatter is None:
            handler.setFormatter(logging.Formatter(FORMAT))
    for name in ("core", "console", "bots", "aiohttp"):
        logger = logging.getLogger(name)
        logger.setLevel(level if name != "aiohttp" else "WARNING")
        for handler in handlers:
            logger.addHandler(handler)
    return handlers


def remove_handlers(handlers: list[logging.Handler]) -> None:
    for name in ("core", "console", "bots", "aiohttp"):
        logger = logging.getLogger(name)
        for handler in handlers:
            logger.removeHandler(handler)
    for handler in handlers:
        handler.close()
