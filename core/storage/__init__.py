"""Persistence: atomic TinyDB files behind one `Store` facade (state tables and journals)."""

from core.storage.errors import StoreError
from core.storage.store import Store
from core.storage.tinydb_atomic import AtomicJSONStorage

__all__ = ["AtomicJSONStorage", "Store", "StoreError"]
