"""Strategies: the trend store and the V4 stable logic (plugins arrive with #4)."""
