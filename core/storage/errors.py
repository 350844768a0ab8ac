"""The one exception the store raises for refusals and unreadable data."""

from __future__ import annotations


class StoreError(Exception):
    """Bad table/journal name or key, unreadable file, store closed or already in use."""
