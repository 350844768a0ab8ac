"""Alert bodies shown to an operator or kept in the log, with every credential masked."""

from __future__ import annotations

import json
import re

EXCERPT_CHARS = 120
_CREDENTIAL = re.compile(
    r"""(?i)(["']?(?:secret|token|password|passphrase|api_?key)["']?\s*[:=]\s*)"""
    r"""("[^"]*"?|'[^']*'?|[^\s,;&|}]*)""")


def redacted_excerpt(raw: str, secret: bytes | None, limit: int = EXCERPT_CHARS) -> str:
    """The start of a body for an operator: credentials masked first, then cut short."""
    text = raw
    if secret:
        text = text.replace(secret.decode("utf-8", errors="replace"), "***")
    text = " ".join(_CREDENTIAL.sub(r"\1***", text).split())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def safe_raw(body: bytes) -> str:
    text = body[:4000].decode("utf-8", errors="replace")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return text
    if isinstance(data, dict) and "secret" in data:
        data["secret"] = "***"
        return json.dumps(data, ensure_ascii=False)
    return text
