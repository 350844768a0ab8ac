"""Plugin discovery (entry points and the marketplace directory) and manifest checks (§3.9.1)."""

from __future__ import annotations

import importlib.util
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from core.strategies.api import (
    API_VERSION,
    ENTRY_POINT_GROUP,
    Manifest,
    PluginServices,
    StrategyPlugin,
)

log = logging.getLogger(__name__)
Factory = Callable[[PluginServices], StrategyPlugin]
TRACKS = ("V4_STABLE", "V5_HYBRID", "V6_EXPERIMENTAL")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One discovered plugin: its factory and manifest, or why it cannot be used."""

    plugin_id: str
    factory: Factory | None
    manifest: Manifest | None
    source: str
    blocked: str = ""  # empty when usable


def discover(group: str = ENTRY_POINT_GROUP) -> list[Candidate]:
    """Every installed plugin of the group; a broken one is reported, never fatal."""
    return [_candidate(ep) for ep in sorted(entry_points(group=group), key=lambda e: e.name)]


PACKAGE_FILE = "plugin.py"  # a marketplace package: one module exporting `create` or `PLUGIN`
_MODULE_NAME = re.compile(r"[^a-z0-9_]")


def discover_directory(directory: Path) -> list[Candidate]:
    """Every `<directory>/<id>/plugin.py` (installed by `/market install`), sorted by id."""
    if not directory.is_dir():
        return []
    return [load_file(d.name, d / PACKAGE_FILE) for d in sorted(directory.iterdir())
            if (d / PACKAGE_FILE).is_file()]


def load_file(plugin_id: str, path: Path, tag: str = "") -> Candidate:
    """Import one package file as a fresh module (`tag` keeps an update's module apart from
    the version it replaces); an import failure is a BLOCKED candidate, never fatal."""
    source = f"{path} (plugins directory)"
    name = _MODULE_NAME.sub("_", f"v5_market_{plugin_id}_{tag}".lower())
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot read {path}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except Exception as exc:  # a broken package is PLUGIN_FAILURE for that plugin only
        log.error("plugin %s could not be imported from %s: %s", plugin_id, path, exc)
        return Candidate(plugin_id, None, None, source,
                         f"import failed: {type(exc).__name__}: {exc}")
    factory = getattr(module, "create", None) or getattr(module, "PLUGIN", None)
    manifest = getattr(factory, "manifest", None)
    if factory is None or not isinstance(manifest, Manifest):
        return Candidate(plugin_id, None, None, source, "the package has no `create` (or "
                         "`PLUGIN`) carrying a core.strategies.api.Manifest as `manifest`")
    return Candidate(plugin_id, factory, manifest, source, manifest_problem(manifest, plugin_id))


def _candidate(ep: EntryPoint) -> Candidate:
    source = f"{ep.value} ({ep.dist.name if ep.dist else 'unknown distribution'})"
    try:
        factory = ep.load()
    except Exception as exc:  # a plugin that cannot even be imported is PLUGIN_FAILURE
        log.error("plugin %s could not be imported: %s", ep.name, exc)
        return Candidate(ep.name, None, None, source, f"import failed: {type(exc).__name__}: "
                                                      f"{exc}")
    manifest = getattr(factory, "manifest", None)
    if not isinstance(manifest, Manifest):
        return Candidate(ep.name, None, None, source,
                         "the entry point has no `manifest` (a core.strategies.api.Manifest)")
    problem = manifest_problem(manifest, ep.name)
    return Candidate(ep.name, factory, manifest, source, problem)


def manifest_problem(manifest: Manifest, name: str) -> str:
    """What is wrong with a manifest on its own ('' when nothing)."""
    if manifest.id != name:
        return f"manifest id {manifest.id!r} differs from the entry-point name {name!r}"
    if manifest.track not in TRACKS:
        return f"track {manifest.track!r} is not one of {', '.join(TRACKS)}"
    try:
        Version(manifest.version)
    except InvalidVersion:
        return f"version {manifest.version!r} is not a semantic version"
    core = manifest.requires.get("core")
    if core is not None:
        try:
            if Version(API_VERSION) not in SpecifierSet(core):
                return f"needs core API {core}; this core offers {API_VERSION}"
        except InvalidSpecifier:
            return f"core requirement {core!r} is not a version range"
    return ""


def resolve(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Cross-plugin checks: required plugins present in range, declared conflicts absent.
    Returns the candidates with `blocked` filled in where a rule fails (SPEC §3.9.1)."""
    items = list(candidates)
    versions = {c.plugin_id: Version(c.manifest.version) for c in items
                if c.manifest is not None and not c.blocked}
    out = []
    for c in items:
        if c.blocked or c.manifest is None:
            out.append(c)
            continue
        out.append(_with_problem(c, _dependency_problem(c.manifest, versions)))
    return out


def _dependency_problem(manifest: Manifest, versions: dict[str, Version]) -> str:
    for other, spec in manifest.requires.items():
        if other == "core":
            continue
        if other not in versions:
            return f"requires plugin {other} {spec}, which is not installed"
        try:
            if versions[other] not in SpecifierSet(spec):
                return f"requires {other} {spec}; installed {versions[other]}"
        except InvalidSpecifier:
            return f"requirement {other} {spec!r} is not a version range"
    for other in manifest.conflicts_with:
        if other in versions:
            return f"declares a conflict with {other}, which is installed"
    return ""


def _with_problem(c: Candidate, problem: str) -> Candidate:
    if not problem:
        return c
    return Candidate(c.plugin_id, c.factory, c.manifest, c.source, problem)
