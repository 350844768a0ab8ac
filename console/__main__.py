"""Entry point: `v5-console` / `python -m console` (TUI, headless, exec, commands, replay)."""

from __future__ import annotations

import sys

from console.cli import main

if __name__ == "__main__":
    sys.exit(main())
