"""Provides the start-up banner: "starting…" until the engine is up, or why it failed."""

from __future__ import annotations

from textual.widgets import Static


class StartupBanner(Static):
    """Visible while the engine starts (class `-starting`) or after it failed (`-failed`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Starting the engine…", id=id, classes="-starting", markup=False)

    def starting(self) -> None:
        self.update("Starting the engine…")
        self.set_classes("-starting")

    def running(self) -> None:
        self.set_classes("-hidden")

    def failed(self, error: str) -> None:
        self.update(f"The engine could not start.\n\n{error}\n\nPress ctrl+q to quit.")
        self.set_classes("-failed")

    def stopping(self) -> None:
        self.update("Stopping the engine…")
        self.set_classes("-starting")
