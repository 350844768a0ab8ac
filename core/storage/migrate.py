"""Journal segments of the former TinyDB format (<seq>.json) rewritten as JSON Lines on open."""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from core.storage.atomic import atomic_write_bytes, fsync_directory
from core.storage.errors import StoreError
from core.storage.segment import NO_FIELD, SUFFIX, dumps
from core.storage.tinydb_atomic import load_document

log = logging.getLogger(__name__)
LEGACY_NAME = re.compile(r"(\d{8})\.json")
KEPT_SUFFIX = ".legacy.json"  # a migrated file that held more than the journal's table
_TABLE = "_default"


def _lines(path: Path, seq: int, cap: int) -> tuple[bytes, bool]:
    """The segment's records as JSON Lines, and whether the file holds other tables too."""
    data = load_document(path)
    first, last = seq * cap + 1, (seq + 1) * cap
    numbered: list[tuple[int, str]] = []
    for key, doc in data.get(_TABLE, {}).items():
        try:
            number = int(key)
        except ValueError:
            raise StoreError(f"store file {path} is corrupt: record id {key!r}") from None
        if not first <= number <= last:
            raise StoreError(f"store file {path} is corrupt: record {number} outside "
                             f"{first}..{last}")
        record = {k: v for k, v in doc.items() if k != NO_FIELD}
        record[NO_FIELD] = number
        numbered.append((number, dumps(record)))
    numbered.sort()
    text = "".join(f"{line}\n" for _, line in numbered)
    return text.encode("utf-8"), bool(data.keys() - {_TABLE})


def migrate_legacy_segments(directory: Path, cap: int, durable: bool) -> dict[int, StoreError]:
    """Rewrite every <seq>.json as <seq>.jsonl. Each step survives a crash: the .jsonl
    appears whole (atomic replace) before the .json goes, and a .json found next to a .jsonl
    is the leftover of a migration cut short (the .jsonl may have new lines since): the .jsonl
    wins. A file with tables of its own is kept as <seq>.legacy.json rather than deleted.
    Returns the segments that could not be read, left untouched, by sequence number."""
    failed: dict[int, StoreError] = {}
    changed = False
    for entry in sorted(directory.iterdir()):
        match = LEGACY_NAME.fullmatch(entry.name)
        if match is None:
            continue
        seq = int(match.group(1))
        target = directory / f"{seq:08d}{SUFFIX}"
        done = target.exists()
        try:
            lines, has_tables = _lines(entry, seq, cap)
        except StoreError as exc:
            if not done:
                failed[seq] = exc
                continue
            has_tables = True  # unreadable now yet migrated before: keep it, delete nothing
        if not done:
            atomic_write_bytes(target, lines, durable)
        changed = True
        try:
            if has_tables:
                os.replace(entry, directory / f"{seq:08d}{KEPT_SUFFIX}")
                log.warning("journal segment %s held other tables: kept as %s", entry,
                            f"{seq:08d}{KEPT_SUFFIX}")
            else:
                entry.unlink()
        except OSError as exc:  # e.g. held open by a scanner on Windows: retried next open
            log.warning("journal segment %s migrated but not removed: %s", entry, exc)
    if changed and durable:
        fsync_directory(directory)
    return failed
