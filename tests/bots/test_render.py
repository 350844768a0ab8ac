"""Reply → HTML: escaping, tables in <pre>, chunks under 4096 split at line boundaries."""

from __future__ import annotations

import html
import re

from bots.telegram.delivery import parts_of
from bots.telegram.render import LIMIT, Line, chunk, render_reply, render_text
from core.commands.spec import Reply, Table
from core.notifications.outbox import OutboundMessage


def visible(chunks: list[str]) -> str:
    return html.unescape(re.sub(r"</?(b|pre)>", "", "\n".join(chunks)))


def test_escaping_and_bold_title() -> None:
    [text] = render_reply(Reply("P&L <today>", lines=("a < b & c > d",)))
    assert text == "<b>P&amp;L &lt;today&gt;</b>\na &lt; b &amp; c &gt; d"


def test_refused_reply_is_marked() -> None:
    [text] = render_reply(Reply("Command refused", lines=("x",), ok=False))
    assert text.startswith("<b>⚠️ Command refused</b>")


def test_long_reply_splits_at_line_boundaries_under_the_limit() -> None:
    lines = tuple(f"line {i:05d} & more text to make it longer" for i in range(400))
    chunks = render_reply(Reply("Long", lines=lines))
    assert len(chunks) > 3
    assert all(len(c) <= LIMIT for c in chunks)
    for c in chunks[1:]:
        assert c.startswith("line ")  # a chunk never starts mid-line
    assert visible(chunks).split("\n")[1:] == list(lines)


def test_tables_stay_in_pre_blocks_across_chunks() -> None:
    rows = tuple((str(i), "EURUSD", "BUY", f"{i * 0.01:.2f}") for i in range(600))
    chunks = render_reply(Reply("Positions", table=Table(("Ticket", "Sym", "Side", "Lot"), rows)))
    assert len(chunks) > 1
    for c in chunks:
        assert len(c) <= LIMIT
        assert c.count("<pre>") == c.count("</pre>")
    assert chunks[1].startswith("<pre>")


def test_a_single_huge_line_is_cut_without_breaking_entities() -> None:
    chunks = render_text("&" * 10_000)
    assert all(len(c) <= LIMIT for c in chunks)
    assert all(re.fullmatch(r"(&amp;)+", c) for c in chunks)
    assert visible(chunks).replace("\n", "") == "&" * 10_000


def test_mixed_text_and_pre_close_their_tags() -> None:
    out = chunk([Line("t", "bold"), Line("a", "pre"), Line("b", "pre"), Line("c")])
    assert out == ["<b>t</b>\n<pre>a\nb</pre>\nc"]


def test_outbox_parts_split_text_and_caption_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    long_text = "\n".join(f"row {i} " + "x" * 60 for i in range(200))
    parts = parts_of(OutboundMessage("notification", "entry", 4, long_text))
    assert len(parts) > 1 and all(p.kind == "text" and len(p.text or "") <= LIMIT
                                  for p in parts)
    chart = tmp_path / "equity.png"
    chart.write_bytes(b"\x89PNG")
    [photo] = parts_of(OutboundMessage("analytics", "daily_summary", 3, "Daily <report>",
                                       attachment_path=str(chart), attachment_kind="photo"))
    assert photo.kind == "photo" and photo.text == "Daily &lt;report&gt;"
    big = parts_of(OutboundMessage("analytics", "export", 3, "y" * 2000,
                                   attachment_path=str(chart), attachment_kind="document"))
    assert [p.kind for p in big] == ["text", "document"] and big[1].text is None
    missing = parts_of(OutboundMessage("analytics", "export", 3, "file",
                                       attachment_path=str(tmp_path / "gone.csv")))
    assert [p.kind for p in missing] == ["text"] and "attachment missing" in (missing[0].text
                                                                              or "")
