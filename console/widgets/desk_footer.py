"""Provides DeskFooter: Textual's Footer without the watchers its recomposes leave behind."""

from __future__ import annotations

from textual.widgets import Footer


class DeskFooter(Footer):
    """Textual's Footer rebuilds its keys on every binding change (each focus move, each
    maximise) and binds every new key to its `compact` reactive; the watchers of the removed
    keys are never dropped (Textual 8.2 prunes them only when `compact` changes), so every key
    ever shown stayed in memory and in every garbage collection. Each recompose here drops
    the watchers of keys that have closed."""

    async def recompose(self) -> None:
        await super().recompose()
        self.prune_watchers()

    def prune_watchers(self) -> int:
        """Drop watchers whose widget has closed; returns how many went."""
        # Textual keeps another node's watchers in this attribute (textual.reactive._watch).
        registry: dict[str, list[tuple[object, object]]] = getattr(self, "__watchers", {})
        dropped = 0
        for pairs in registry.values():
            kept = [(node, callback) for node, callback in pairs
                    if not (getattr(node, "_closing", False) or getattr(node, "_closed", False))]
            dropped += len(pairs) - len(kept)
            pairs[:] = kept
        return dropped
