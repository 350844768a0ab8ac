"""Reply → Telegram HTML chunks under 4096 characters, split at line boundaries, escaped."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from core.commands.spec import Reply, Table
from core.domain.enums import Severity

LIMIT = 4096
CAPTION_LIMIT = 1024
Style = Literal["text", "bold", "pre"]
_PRE_OVERHEAD = len("<pre></pre>")
_ICONS = {Severity.CRITICAL: "🚨 ", Severity.HIGH: "❗ "}


@dataclass(frozen=True, slots=True)
class Line:
    raw: str
    style: Style = "text"


def escape(text: str) -> str:
    return html.escape(text, quote=False)


def _html(line: Line) -> str:
    text = escape(line.raw)
    return f"<b>{text}</b>" if line.style == "bold" else text


def _hard_split(line: Line, budget: int) -> list[Line]:
    """Cut a line whose HTML exceeds `budget` into pieces that fit (never inside an entity)."""
    overhead = len(_html(Line("", line.style)))
    pieces: list[Line] = []
    current: list[str] = []
    size = overhead
    for char in line.raw:
        cost = len(escape(char))
        if current and size + cost > budget:
            pieces.append(Line("".join(current), line.style))
            current, size = [], overhead
        current.append(char)
        size += cost
    pieces.append(Line("".join(current), line.style))
    return pieces


def chunk(lines: Iterable[Line], limit: int = LIMIT) -> list[str]:
    """Pack lines into HTML messages ≤ `limit`; a `<pre>` block cut in two is re-opened."""
    budget = limit - _PRE_OVERHEAD
    prepared: list[Line] = []
    for line in lines:
        prepared.extend(_hard_split(line, budget) if len(_html(line)) > budget else [line])
    chunks: list[str] = []
    parts: list[str] = []
    size = 0
    in_pre = False

    def flush() -> None:
        nonlocal parts, size
        if parts:
            text = "\n".join(parts)
            if in_pre:
                text += "</pre>"
            chunks.append(text)
        parts, size = [], 0

    for line in prepared:
        body = _html(line)
        opening = ""
        if line.style == "pre" and not in_pre:
            opening = "<pre>"
        elif line.style != "pre" and in_pre:
            parts[-1] += "</pre>"
            size += len("</pre>")
            in_pre = False
        cost = len(opening) + len(body) + (1 if parts else 0)
        if parts and size + cost + (len("</pre>") if line.style == "pre" else 0) > limit:
            flush()
            opening = "<pre>" if line.style == "pre" else ""
            cost = len(opening) + len(body)
        parts.append(opening + body)
        size += cost
        in_pre = line.style == "pre"
    flush()
    return chunks or [""]


def table_lines(table: Table) -> list[Line]:
    widths = [len(c) for c in table.columns]
    for row in table.rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row, strict=True)]
    out = ["  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True)).rstrip()]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in table.rows]
    return [Line(text, "pre") for text in out]


def reply_lines(reply: Reply) -> list[Line]:
    icon = "⚠️ " if not reply.ok else _ICONS.get(reply.severity, "")
    lines = [Line(icon + reply.title, "bold")]
    lines += [Line(text) for text in reply.lines]
    if reply.table is not None and reply.table.rows:
        lines += table_lines(reply.table)
    return lines


def render_reply(reply: Reply, limit: int = LIMIT) -> list[str]:
    return chunk(reply_lines(reply), limit)


def render_text(text: str, limit: int = LIMIT) -> list[str]:
    """A plain outbox text as escaped HTML chunks (split at line boundaries)."""
    return chunk((Line(raw) for raw in text.split("\n")), limit)


def lines_of(texts: Sequence[str], title: str | None = None) -> list[Line]:
    head = [Line(title, "bold")] if title else []
    return head + [Line(t) for t in texts]
