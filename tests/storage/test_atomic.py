"""atomic.py: all-or-nothing replacement, durable new directories, retries, temp-file sweep."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.storage import atomic


def test_replaces_content_and_leaves_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    atomic.atomic_write_text(target, "one")
    atomic.atomic_write_text(target, "двa")
    assert target.read_text(encoding="utf-8") == "двa"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_failed_replace_keeps_the_old_file_and_removes_the_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.json"
    atomic.atomic_write_text(target, "old")

    def broken(src: str, dst: object) -> None:
        raise OSError("replace failed")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="replace failed"):
        atomic.atomic_write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]


def test_new_directories_are_made_durable_in_their_parents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[Path] = []
    monkeypatch.setattr(atomic, "fsync_directory", synced.append)
    atomic.atomic_write_text(tmp_path / "x" / "y" / "f.json", "{}")
    # The parents of both new directories, then the directory holding the file.
    assert synced == [tmp_path, tmp_path / "x", tmp_path / "x" / "y"]
    synced.clear()
    atomic.atomic_write_text(tmp_path / "x" / "y" / "f.json", "{}", durable=False)
    assert synced == []


def test_replace_is_retried_while_windows_holds_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "a.json"
    real = os.replace
    failures = [PermissionError("in use"), PermissionError("in use")]

    def flaky(src: str, dst: Path) -> None:
        if failures:
            raise failures.pop()
        real(src, dst)

    monkeypatch.setattr(atomic, "RETRY_REPLACE", True)
    monkeypatch.setattr(os, "replace", flaky)
    atomic.atomic_write_text(target, "ok")
    assert target.read_text(encoding="utf-8") == "ok"


def test_replace_gives_up_after_bounded_retries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def always(src: str, dst: Path) -> None:
        raise PermissionError("held open")

    monkeypatch.setattr(atomic, "RETRY_REPLACE", True)
    monkeypatch.setattr(atomic, "_REPLACE_RETRY_DELAYS", (0.0, 0.0))
    monkeypatch.setattr(os, "replace", always)
    with pytest.raises(PermissionError):
        atomic.atomic_write_text(tmp_path / "a.json", "x")
    assert list(tmp_path.iterdir()) == []


def test_remove_stale_temp_files_removes_only_temp_files(tmp_path: Path) -> None:
    (tmp_path / ".positions.json.k3j2.tmp").write_text("partial", encoding="utf-8")
    (tmp_path / "positions.json").write_text("{}", encoding="utf-8")
    (tmp_path / "notes.tmp").write_text("user file", encoding="utf-8")
    assert atomic.remove_stale_temp_files(tmp_path) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.tmp", "positions.json"]
    assert atomic.remove_stale_temp_files(tmp_path / "missing") == 0
