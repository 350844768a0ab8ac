"""Risk: tiers, SL tables, lot sizing and gates (SPEC §5.3-§5.4, §3.8)."""
