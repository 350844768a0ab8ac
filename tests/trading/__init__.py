"""Tests of the order desk (SPEC §5.1) and the shadow ledger (SPEC §4.4)."""
