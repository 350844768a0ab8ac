"""Layered configuration: defaults ← TOML file ← runtime overrides (SPEC §11.2)."""

from __future__ import annotations

import copy
import logging
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from core.config.plugins import PluginEntry
from core.config.secrets import CREDENTIAL_KEYS
from core.config.settings import Settings

log = logging.getLogger(__name__)
PLUGIN_SWITCHES = frozenset(PluginEntry.model_fields)


class ConfigError(Exception):
    """Invalid configuration: the message names the key, the value and what is allowed."""


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        value = err.get("input")
        shown = value if not isinstance(value, dict) else "{...}"
        lines.append(f"{key} = {shown!r}: {err['msg']}")
    return "; ".join(lines)


def _walk(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in data.items():
        path = f"{prefix}{key}"
        yield path, value
        if isinstance(value, Mapping):
            yield from _walk(value, path + ".")


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    head, _, rest = dotted.partition(".")
    return {head: _nest(rest, value) if rest else value}


def unknown_keys(model: BaseModel, prefix: str = "") -> list[str]:
    """Dotted keys present in the data but not in the schema (warned about, not fatal)."""
    found = [f"{prefix}{k}" for k in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            found += unknown_keys(value, f"{prefix}{name}.")
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, BaseModel):
                    found += unknown_keys(v, f"{prefix}{name}.{k}.")
    return found


def read_config_file(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    for key, _ in _walk(data):
        if key.rsplit(".", 1)[-1].lower() in CREDENTIAL_KEYS:
            raise ConfigError(
                f"{key}: credentials are not allowed in the config file; "
                "set them in the environment or .env (SPEC §11.1)"
            )
    return data


class ConfigManager:
    """Holds the three layers and the validated effective Settings."""

    def __init__(self, file_data: Mapping[str, Any] | None = None,
                 overrides: Mapping[str, Any] | None = None) -> None:
        self.defaults: dict[str, Any] = Settings().model_dump()
        self.file_data: dict[str, Any] = dict(file_data or {})
        self.overrides: dict[str, Any] = dict(overrides or {})
        self.settings = self._build(self.overrides)
        for key in unknown_keys(self.settings):
            log.warning("unknown configuration key ignored: %s", key)

    @classmethod
    def from_file(cls, path: Path | None, overrides: Mapping[str, Any] | None = None,
                  cli: Mapping[str, Any] | None = None) -> ConfigManager:
        data = read_config_file(path) if path else {}
        for dotted, value in (cli or {}).items():
            data = _merge(data, _nest(dotted, value))
        return cls(data, overrides)

    def _build(self, overrides: Mapping[str, Any]) -> Settings:
        merged = _merge(self.defaults, self.file_data)
        for dotted, value in overrides.items():
            merged = _merge(merged, _nest(dotted, value))
        try:
            return Settings.model_validate(merged)
        except ValidationError as exc:
            raise ConfigError(_format_errors(exc)) from exc

    def set(self, dotted: str, value: Any) -> Settings:
        """Apply one runtime override; an invalid value is refused and nothing changes."""
        if not self.has_key(dotted):
            raise ConfigError(f"{dotted}: unknown configuration key")
        candidate = {**self.overrides, dotted: value}
        self.settings = self._build(candidate)
        self.overrides = candidate
        return self.settings

    def has_key(self, dotted: str) -> bool:
        parts = dotted.split(".")
        if len(parts) == 3 and parts[0] == "plugins" and parts[2] in PLUGIN_SWITCHES:
            return True  # any installed plugin's switches, third parties' included
        node: Any = self.defaults
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return False
            node = node[part]
        return True

    def value(self, dotted: str) -> Any:
        node: Any = self.settings.model_dump()
        for part in dotted.split("."):
            node = node[part]
        return node

    def layer_of(self, dotted: str) -> str:
        if dotted in self.overrides:
            return "runtime"
        node: Any = self.file_data
        for part in dotted.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return "default"
            node = node[part]
        return "file"
