"""Provides the console's screens, one per module."""
