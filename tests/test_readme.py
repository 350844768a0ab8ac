"""The README is the front door: its two set-up commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```\n(.*?)```", section, flags=re.S)]


def test_readme_has_exactly_the_run_and_test_commands() -> None:
    assert _setup_commands() == ['pip install -e . && v5-console',
                                 'pip install -e ".[test]" && pytest']


def test_ci_runs_the_readme_test_command_in_a_fresh_venv() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in script.splitlines() if line and not line.startswith("#")]
    assert any("python3 -m venv" in line for line in commands)
    assert commands[-1] == _setup_commands()[1]
    assert not any(line.startswith("pip ") for line in commands[:-1])  # nothing else installed


def test_windows_launcher_has_no_machine_paths() -> None:
    bat = (ROOT / "run_console.bat").read_bytes()
    assert b"\r\n" in bat and b"-m console" in bat and b"%~dp0" in bat
    assert not re.search(rb"[A-Z]:\\\\", bat) and b"pip install" not in bat
