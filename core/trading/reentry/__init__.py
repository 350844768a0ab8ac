"""The re-entry system (SPEC §6): chains, SL hunt, continuations, reverse shield."""
