"""Analytics: metrics over closed trades, reports, equity charts, exports and the schedule."""
