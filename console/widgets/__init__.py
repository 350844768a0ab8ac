"""Provides the console's panes, one per module."""
