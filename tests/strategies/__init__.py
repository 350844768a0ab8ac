"""Strategy plugin tests (V3 Combined, V6 Price Action)."""
