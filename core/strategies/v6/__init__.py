"""The V6 Price Action plugin family (SPEC §4.3): filters and the per-timeframe plugins."""
