"""Marketplace settings (SPEC §3.9.4): `marketplace.*`; disabled until an index is configured."""

from __future__ import annotations

from pydantic import Field

from core.config.base import Section


class MarketplaceSettings(Section):
    """The plugin index is a JSON document at a file path or an http(s) URL."""

    index_url: str = ""  # empty: the marketplace is disabled (SPEC default)
    plugins_dir: str = "plugins"  # installed packages; relative paths are under the data dir
    timeout_seconds: float = Field(15, gt=0, le=300)
