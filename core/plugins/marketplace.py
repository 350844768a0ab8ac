"""The plugin marketplace (SPEC §3.9.4): a JSON index, verified downloads, the plugins dir."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlparse

import aiohttp
from packaging.version import InvalidVersion, Version

from core.config.marketplace import MarketplaceSettings
from core.plugins.loader import PACKAGE_FILE
from core.storage.store import Store

RECEIPT = "installed.json"  # next to plugin.py: version, checksum and where it came from
RATINGS = "market_ratings"  # ratings given with a file index (no endpoint to post them to)


class MarketError(Exception):
    """A marketplace refusal (disabled, unreachable, unknown id, failed verification...)."""


@dataclass(frozen=True, slots=True)
class Release:
    version: str
    url: str
    sha256: str
    signature: str | None = None
    requires: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Listing:
    """One plugin of the index."""

    id: str
    name: str
    summary: str
    author: str
    rating: float | None
    votes: int
    releases: tuple[Release, ...]

    @property
    def latest(self) -> Release:
        return max(self.releases, key=lambda r: Version(r.version))

    def release(self, version: str | None) -> Release:
        if version is None:
            return self.latest
        for release in self.releases:
            if release.version == version:
                return release
        known = ", ".join(r.version for r in self.releases)
        raise MarketError(f"{self.id} has no version {version}; the index offers {known}")


def _listing(doc: Mapping[str, Any]) -> Listing:
    releases = []
    for r in doc.get("versions") or ():
        try:
            Version(str(r["version"]))
        except (KeyError, InvalidVersion):
            continue  # an unusable release is left out, the others stay installable
        releases.append(Release(str(r["version"]), str(r.get("url") or ""),
                                str(r.get("sha256") or "").lower(), r.get("signature"),
                                r.get("requires") or {}))
    rating = doc.get("rating")
    return Listing(str(doc["id"]), str(doc.get("name") or doc["id"]),
                   str(doc.get("summary") or ""), str(doc.get("author") or "?"),
                   float(rating) if rating is not None else None, int(doc.get("votes") or 0),
                   tuple(releases))


def market_dir(settings: MarketplaceSettings, data_dir: Path) -> Path:
    configured = Path(settings.plugins_dir)
    return configured if configured.is_absolute() else data_dir / configured


class Marketplace:
    """Reads the index (file path, file:// or http(s) URL) and manages installed packages."""

    def __init__(self, settings: MarketplaceSettings, data_dir: Path, store: Store) -> None:
        self.settings = settings
        self.dir = market_dir(settings, data_dir)
        self._store = store

    @property
    def enabled(self) -> bool:
        return bool(self.settings.index_url.strip())

    @property
    def _http(self) -> bool:
        return urlparse(self.settings.index_url).scheme in ("http", "https")

    def _require(self) -> None:
        if not self.enabled:
            raise MarketError("the marketplace is disabled: set marketplace.index_url to a "
                              "plugin index (a file path or an http(s) URL)")

    # -- reading ---------------------------------------------------------------------------
    def _locate(self, ref: str) -> str:
        """A package or endpoint address, relative to the index when not absolute."""
        base = self.settings.index_url.strip()
        if urlparse(ref).scheme in ("http", "https", "file"):
            return ref
        if self._http:
            return urljoin(base, ref)
        index = Path(base.removeprefix("file://"))
        return str(ref if Path(ref).is_absolute() else index.parent / ref)

    async def _get(self, where: str) -> bytes:
        if urlparse(where).scheme in ("http", "https"):
            timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
            try:
                async with aiohttp.ClientSession(timeout=timeout) as http, \
                        http.get(where) as response:
                    if response.status != 200:
                        raise MarketError(f"{where}: HTTP {response.status}")
                    return await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise MarketError(f"{where}: {type(exc).__name__}: {exc}") from exc
        path = Path(where.removeprefix("file://"))
        try:
            return await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            raise MarketError(f"{path}: {exc.strerror or exc}") from exc

    async def index(self) -> dict[str, Listing]:
        self._require()
        raw = await self._get(self._locate(self.settings.index_url.strip()))
        try:
            doc = json.loads(raw)
            return {item.id: item for item in map(_listing, doc["plugins"])}
        except (ValueError, KeyError, TypeError) as exc:
            raise MarketError(f"the index is not a valid plugin index: {exc}") from exc

    async def listing(self, plugin_id: str) -> Listing:
        found = (await self.index()).get(plugin_id)
        if found is None:
            raise MarketError(f"{plugin_id!r} is not in the index; /market search TEXT")
        return found

    # -- packages ----------------------------------------------------------------------------
    async def download(self, listing: Listing, release: Release) -> bytes:
        """The package, only if its sha256 matches the index (SPEC §3.9.4 security)."""
        if not release.url or len(release.sha256) != 64:
            raise MarketError(f"{listing.id} {release.version}: the index gives no package "
                              "URL or no sha256 checksum; refused")
        if release.signature:
            raise MarketError(f"{listing.id} {release.version}: the index signs this package "
                              "and this build has no signature key to verify it; refused")
        payload = await self._get(self._locate(release.url))
        digest = hashlib.sha256(payload).hexdigest()
        if digest != release.sha256:
            raise MarketError(f"{listing.id} {release.version}: checksum mismatch (index "
                              f"{release.sha256[:12]}…, package {digest[:12]}…); refused")
        return payload

    def stage(self, plugin_id: str, payload: bytes) -> Path:
        """Write a verified package where it can be imported, outside the plugins dir."""
        staging = self.dir.parent / ".market-staging" / plugin_id
        staging.mkdir(parents=True, exist_ok=True)
        target = staging / PACKAGE_FILE
        target.write_bytes(payload)
        return target

    def commit(self, plugin_id: str, staged: Path, release: Release, source: str) -> Path:
        """Move a loaded package into the plugins directory the start-up discovery reads."""
        home = self.dir / plugin_id
        home.mkdir(parents=True, exist_ok=True)
        shutil.move(str(staged), home / PACKAGE_FILE)
        (home / RECEIPT).write_text(json.dumps({
            "id": plugin_id, "version": release.version, "sha256": release.sha256,
            "source": source}, indent=2), encoding="utf-8")
        return home

    def installed(self) -> dict[str, dict[str, Any]]:
        out = {}
        if self.dir.is_dir():
            for home in sorted(self.dir.iterdir()):
                receipt = home / RECEIPT
                if receipt.is_file() and (home / PACKAGE_FILE).is_file():
                    out[home.name] = json.loads(receipt.read_text(encoding="utf-8"))
        return out

    def remove(self, plugin_id: str) -> None:
        shutil.rmtree(self.dir / plugin_id)

    # -- ratings ---------------------------------------------------------------------------
    async def rate(self, plugin_id: str, stars: int, user: str, when: str) -> str:
        """Post to the index's rating endpoint (http), or keep the rating locally (file)."""
        await self.listing(plugin_id)
        if not self._http:
            self._store.put(RATINGS, f"{plugin_id}:{user}", {
                "plugin": plugin_id, "stars": stars, "user": user, "time": when})
            return "kept locally: a file index has no rating endpoint"
        endpoint = self._locate("rate")
        timeout = aiohttp.ClientTimeout(total=self.settings.timeout_seconds)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http, http.post(
                    endpoint, json={"id": plugin_id, "stars": stars}) as response:
                if response.status not in (200, 201, 202, 204):
                    raise MarketError(f"{endpoint}: HTTP {response.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise MarketError(f"{endpoint}: {type(exc).__name__}: {exc}") from exc
        return f"submitted to {endpoint}"

    def local_ratings(self, plugin_id: str) -> list[int]:
        return [int(d["stars"]) for d in self._store.all(RATINGS) if d["plugin"] == plugin_id]
