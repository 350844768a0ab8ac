"""/market (SPEC §3.9.4) with a local index file and an aiohttp index on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from core.engine import Engine, EngineOptions
from tests.commands.support import GUEST, run

PLUGIN = '''
from core.strategies.api import Decision, Manifest, StrategyPlugin


class Echo(StrategyPlugin):
    manifest = Manifest("echo_market", "Echo", "{version}", "V5_HYBRID", "ECHO", ("15m",))

    async def on_signal(self, signal, shadow=False):
        return Decision.ignore("NOT_MINE", "echo {version} never trades")


def create(services):
    return Echo(services)


create.manifest = Echo.manifest
'''


def package(root: Path, version: str) -> tuple[str, str]:
    body = PLUGIN.format(version=version).encode()
    name = f"echo-{version}.py"
    (root / name).write_bytes(body)
    return name, hashlib.sha256(body).hexdigest()


def write_index(root: Path, versions: tuple[str, ...] = ("1.0.0",),
                bad_sum: bool = False) -> Path:
    releases = []
    for v in versions:
        url, digest = package(root, v)
        releases.append({"version": v, "url": url, "sha256": "0" * 64 if bad_sum else digest})
    doc = {"plugins": [
        {"id": "echo_market", "name": "Echo", "summary": "Ignores every signal",
         "author": "tests", "rating": 4.5, "votes": 8, "versions": releases},
        {"id": "other_tool", "name": "Other", "summary": "Something else", "versions": []}]}
    index = root / "index.json"
    index.write_text(json.dumps(doc), encoding="utf-8")
    return index


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    root = tmp_path / "market"
    root.mkdir()
    return root


async def test_disabled_until_an_index_is_configured(engine: Engine) -> None:
    reply = await run(engine, "/market search")
    assert not reply.ok and "marketplace is disabled" in reply.lines[0]


async def test_search_and_info_read_the_index(engine: Engine, index_dir: Path) -> None:
    engine.persist_override("marketplace.index_url", str(write_index(index_dir)))
    found = await run(engine, "/market search echo")
    assert found.ok and found.data["results"] == ["echo_market"]
    assert found.table is not None and found.table.rows[0][2:] == ("1.0.0", "4.5★ (8)", "no")
    every = await run(engine, "/market search")
    assert every.data["results"] == ["echo_market", "other_tool"]
    info = await run(engine, "/market info echo_market")
    assert info.data["versions"] == ["1.0.0"] and info.data["installed"] is None
    missing = await run(engine, "/market info nope")
    assert not missing.ok and "not in the index" in missing.lines[0]


async def test_install_verifies_and_loads_disabled_in_shadow(
        engine: Engine, index_dir: Path, engine_options: EngineOptions) -> None:
    engine.persist_override("marketplace.index_url", str(write_index(index_dir)))
    assert engine.plugins is not None
    asked = await run(engine, "/market install echo_market", confirmed=False)
    assert asked.needs_confirmation and "echo_market" not in engine.plugins.plugins
    guest = await engine.execute("/market install echo_market", GUEST, True)
    assert not guest.ok and "admin only" in guest.lines[0]
    done = await run(engine, "/market install echo_market")
    assert done.ok, done.text()
    assert done.data == {"id": "echo_market", "version": "1.0.0", "changed": True,
                         "enabled": False, "shadow": True}
    assert engine.plugins.plugins["echo_market"].manifest.version == "1.0.0"
    assert engine.infra is not None
    [checkpoint] = engine.infra.checkpoints.docs("echo_market")
    assert checkpoint["reason"] == "pre_install" and checkpoint["plugin_version"] == "1.0.0"
    assert checkpoint["checkpoint_id"] in done.lines[1]
    home = engine.data_dir / "plugins" / "echo_market"
    assert (home / "plugin.py").is_file() and (home / "installed.json").is_file()
    again = await run(engine, "/market install echo_market")
    assert not again.ok and "already installed" in again.lines[0]
    await engine.stop()  # the next start discovers it in the plugins directory
    restarted = Engine(engine_options)
    await restarted.start()
    try:
        assert restarted.plugins is not None
        [info] = [i for i in restarted.plugins.infos() if i.plugin_id == "echo_market"]
        assert info.state == "disabled" and "plugins directory" in info.source
    finally:
        await restarted.stop()
        await engine.start()  # the fixture stops it again


async def test_checksum_mismatch_is_refused(engine: Engine, index_dir: Path) -> None:
    engine.persist_override("marketplace.index_url", str(write_index(index_dir, bad_sum=True)))
    reply = await run(engine, "/market install echo_market")
    assert not reply.ok and "checksum mismatch" in reply.lines[0]
    assert engine.plugins is not None and "echo_market" not in engine.plugins.plugins
    assert not (engine.data_dir / "plugins" / "echo_market").exists()


async def test_update_remove_and_local_rating(engine: Engine, index_dir: Path) -> None:
    index = write_index(index_dir)
    engine.persist_override("marketplace.index_url", str(index))
    assert (await run(engine, "/market install echo_market")).ok
    assert engine.plugins is not None
    engine.plugins.plugins["echo_market"].import_state({"seen": 3})
    same = await run(engine, "/market update echo_market")
    assert same.ok and same.data["changed"] is False
    write_index(index_dir, ("1.0.0", "1.1.0"))
    updated = await run(engine, "/market update echo_market")
    assert updated.ok and updated.data["version"] == "1.1.0"
    plugin = engine.plugins.plugins["echo_market"]
    assert plugin.manifest.version == "1.1.0" and plugin.export_state() == {"seen": 3}
    assert not engine.plugins.enabled("echo_market")  # an update keeps the switches
    assert engine.infra is not None  # the version it replaced is checkpointed first
    assert [(c["reason"], c["plugin_version"]) for c in engine.infra.checkpoints.docs(
        "echo_market") if c["reason"] == "pre_upgrade"] == [("pre_upgrade", "1.0.0")]
    rated = await run(engine, "/market rate echo_market 4")
    assert rated.ok and "kept locally" in rated.lines[0]
    assert (await run(engine, "/market info echo_market")).data["local_ratings"] == [4]
    bad = await run(engine, "/market rate echo_market 9")
    assert not bad.ok and "1, 2, 3, 4, 5" in bad.lines[0]
    removed = await run(engine, "/market remove echo_market")
    assert removed.ok and "echo_market" not in engine.plugins.plugins
    assert not (engine.data_dir / "plugins" / "echo_market").exists()
    builtin = await run(engine, "/market remove v3_combined")
    assert not builtin.ok and "not installed from the marketplace" in builtin.lines[0]


@pytest.fixture
async def http_index(index_dir: Path) -> AsyncIterator[tuple[str, list[dict[str, Any]]]]:
    write_index(index_dir)
    ratings: list[dict[str, Any]] = []

    async def rate(request: web.Request) -> web.Response:
        ratings.append(await request.json())
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_post("/market/rate", rate)
    app.router.add_static("/market/", index_dir)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield f"http://127.0.0.1:{port}/market/index.json", ratings
    finally:
        await runner.cleanup()


async def test_http_index_install_and_rating_post(
        engine: Engine, http_index: tuple[str, list[dict[str, Any]]]) -> None:
    url, ratings = http_index
    engine.persist_override("marketplace.index_url", url)
    assert (await run(engine, "/market search")).data["results"] == ["echo_market",
                                                                     "other_tool"]
    done = await run(engine, "/market install echo_market 1.0.0")
    assert done.ok, done.text()
    rated = await run(engine, "/market rate echo_market 5")
    assert rated.ok and "submitted to" in rated.lines[0]
    assert ratings == [{"id": "echo_market", "stars": 5}]
