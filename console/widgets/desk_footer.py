"""Provides DeskFooter: Textual's Footer, relabelled in place and without leaked watchers."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

Shown = list[tuple[Binding, bool, str]]
"""The bindings the footer shows, in order: binding, enabled, tooltip."""


class DeskFooter(Footer):
    """Textual's Footer rebuilds all its keys on every binding change: each maximise (`m`
    Maximise ↔ Restore) and each focus move mounted a new row of widgets, relaid out the
    screen and left the old row as garbage for the next full collection. Here, when the
    same keys are shown in the same order, the existing keys get their new labels, actions
    and states in place; only a different set of keys is rebuilt. And Textual 8.2 never
    drops the watchers its rebuilt keys leave on `compact`, so every key ever shown stayed in
    memory: each rebuild drops the watchers of keys that have closed."""

    async def recompose(self) -> None:
        if self.relabel():
            return
        await super().recompose()
        self.prune_watchers()

    def wanted(self) -> Shown | None:
        """What `Footer.compose` would show, first binding per action, or None when a binding
        group is involved (those are drawn by Textual's compose only)."""
        by_action: dict[str, Shown] = {}
        for _node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.show:
                by_action.setdefault(binding.action, []).append((binding, enabled, tooltip))
        shown = [bindings[0] for bindings in by_action.values()]
        return None if any(binding.group is not None for binding, _, _ in shown) else shown

    def relabel(self) -> bool:
        """Update the shown keys in place if the same keys are wanted; False if not."""
        if not self._bindings_ready or not self.is_attached:
            return False
        wanted = self.wanted()
        children = list(self.query_children(FooterKey))
        keys = [key for key in children if not key.has_class("-command-palette")]
        palette = (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE
                   and self.app.COMMAND_PALETTE_BINDING in self.screen.active_bindings)
        if (wanted is None or [key.key for key in keys] != [b.key for b, _, _ in wanted]
                or palette != (len(children) > len(keys))):
            return False
        for widget, (binding, enabled, tooltip) in zip(keys, wanted, strict=True):
            state = (binding.description, binding.action, not enabled, tooltip)
            if state == (widget.description, widget.action, widget.has_class("-disabled"),
                         widget.tooltip or ""):
                continue
            resized = len(binding.description) != len(widget.description)
            widget.description, widget.action = binding.description, binding.action
            widget._disabled = not enabled  # FooterKey reads it on a click
            widget.set_class(not enabled, "-disabled")
            widget.tooltip = tooltip or None
            widget.refresh(layout=resized)
        return True

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
