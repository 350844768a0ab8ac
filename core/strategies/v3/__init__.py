"""The V3 Combined plugin's rules (SPEC §4.2); the entry point is core.strategies.v3_combined."""
