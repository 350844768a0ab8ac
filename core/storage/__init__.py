"""Persistence behind one `Store` facade: atomic TinyDB state tables, JSON Lines journals."""

from core.storage.errors import StoreError
from core.storage.store import Store
from core.storage.tinydb_atomic import AtomicJSONStorage

__all__ = ["AtomicJSONStorage", "Store", "StoreError"]
