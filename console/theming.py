"""Provides the console side of `display.theme`: the remembered value and the first-frame mark."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from core.commands.display import THEME_KEY

if TYPE_CHECKING:
    from core.engine import Engine

FIRST_FRAME_ENV = "V5_FIRST_FRAME_FILE"
"""If set, the console writes the wall-clock time of its first frame to this file (bench)."""


def remembered_theme(engine: Engine) -> str:
    """`display.theme` as the engine will have it once started: the value `/theme` stored,
    else the file or default layer. Read before `engine.start()`, so the dashboard takes its
    theme as soon as the engine is built rather than once the whole start has finished."""
    from core.engine import OVERRIDES  # loaded by then: the engine is built
    from core.storage import Store, StoreError

    setting = engine.settings.display.theme
    root = engine.data_dir / "store"
    if not root.is_dir():  # a new data directory remembers nothing
        return setting
    try:
        with Store(root, durable=False) as store:
            doc = store.get(OVERRIDES, THEME_KEY)
    except StoreError:  # another process has the store open: the engine start will say so
        return setting
    value = doc.get("value") if doc is not None else None
    return value if isinstance(value, str) else setting


def mark_first_frame() -> None:
    """Write `time.time()` to the file named by FIRST_FRAME_ENV (nothing if it is unset)."""
    target = os.environ.get(FIRST_FRAME_ENV)
    if target:
        Path(target).write_text(f"{time.time():.6f}\n", encoding="utf-8")
