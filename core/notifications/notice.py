"""A notification before preferences are applied: type, text, origin, speech, attachment."""

from __future__ import annotations

from dataclasses import dataclass

from core.analytics.labels import StrategyLabel


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification: SPEC §9.2 type, §9.4 text, owner (for the plugin filters), the §9.7
    sentence to speak, and an optional file (photo, document or voice)."""

    type: str
    text: str
    origin: StrategyLabel | None = None
    speech: str | None = None
    shadow: bool = False
    attachment_path: str | None = None
    attachment_kind: str | None = None
