"""Crash-safe file replacement: write a temp file, fsync it, `os.replace` it over the target."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from pathlib import Path

TEMP_SUFFIX = ".tmp"

# Windows refuses to replace a file another process (virus scanner, indexer, backup agent)
# holds open for a moment; those holds are brief, so a short bounded retry rides them out.
RETRY_REPLACE = os.name == "nt"
_REPLACE_RETRY_DELAYS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)


def fsync_directory(directory: Path) -> None:
    """Make a rename durable. Windows cannot open directories; NTFS journals the rename."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def ensure_directory(directory: Path, durable: bool = True) -> None:
    """Create `directory` and its parents; with `durable`, make the new entries survive a crash."""
    missing: list[Path] = []
    current = directory
    while not current.exists():
        missing.append(current)
        current = current.parent
    if not missing:
        return
    directory.mkdir(parents=True, exist_ok=True)
    if durable:
        # A new directory's own entry lives in its parent: without this fsync a power cut
        # can drop the whole directory even though the file inside it was fsynced.
        for created in reversed(missing):
            fsync_directory(created.parent)


def _replace(source: str, target: Path) -> None:
    for delay in _REPLACE_RETRY_DELAYS if RETRY_REPLACE else ():
        try:
            os.replace(source, target)
            return
        except PermissionError:
            time.sleep(delay)
    os.replace(source, target)


def atomic_write_bytes(path: Path, data: bytes, durable: bool = True) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file."""
    ensure_directory(path.parent, durable)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        _replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    if durable:
        fsync_directory(path.parent)


def atomic_write_text(path: Path, text: str, durable: bool = True) -> None:
    atomic_write_bytes(path, text.encode("utf-8"), durable)


def remove_stale_temp_files(directory: Path) -> int:
    """Delete temp files left by a killed writer; only while nobody else writes there."""
    removed = 0
    if not directory.is_dir():
        return removed
    for entry in directory.iterdir():
        if entry.name.startswith(".") and entry.name.endswith(TEMP_SUFFIX) and entry.is_file():
            entry.unlink(missing_ok=True)
            removed += 1
    return removed
