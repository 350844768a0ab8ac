"""Session tests (SPEC §8, SESSION commands)."""
