"""Trading sessions (IST table), weekend closure, classic market sessions and the clock (§8)."""
