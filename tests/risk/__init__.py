"""Risk tests (SPEC §5.3, §5.4, §3.8 gates 2-8, RISK commands)."""
