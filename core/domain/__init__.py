"""Domain values: frozen dataclasses and enums shared by every room of the engine."""
