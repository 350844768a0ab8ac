"""Name checks and JSON normalisation of the documents the store keeps."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from core.storage.errors import StoreError

_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")


def check_name(kind: str, name: object) -> str:
    """Return `name` if it is a valid table/journal name (it becomes a file or folder name)."""
    # fullmatch, not match with `$`: `$` also matches before a trailing newline.
    if not isinstance(name, str) or _NAME.fullmatch(name) is None:
        raise StoreError(
            f"invalid {kind} name {name!r}: use 1-41 characters a-z, 0-9, _ starting with a letter"
        )
    return name


def check_key(key: object) -> str:
    if not isinstance(key, str) or not key:
        raise StoreError(f"invalid key {key!r}: keys are non-empty strings")
    return key


def to_record(doc: Mapping[str, Any], what: str) -> dict[str, Any]:
    """A private JSON copy of `doc`: what the caller later mutates cannot leak into the store,
    and memory holds exactly what the file will hold (tuples become lists, and so on)."""
    if not isinstance(doc, Mapping):
        raise TypeError(f"{what}: a document must be a mapping, got {type(doc).__name__}")
    try:
        record = json.loads(json.dumps(doc, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what}: document is not JSON-serialisable: {exc}") from exc
    if not isinstance(record, dict):
        raise TypeError(f"{what}: a document must be a JSON object")
    return record


def check_fields(fields: Mapping[str, Any], reserved: str, what: str) -> dict[str, Any]:
    if reserved in fields:
        raise ValueError(f"{what}: field {reserved!r} is assigned by the store and cannot change")
    return to_record(fields, what)


def clone(value: Any) -> Any:
    """Deep copy of JSON data, faster than copy.deepcopy for the types JSON can hold."""
    if isinstance(value, dict):
        return {key: clone(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clone(item) for item in value]
    return value
