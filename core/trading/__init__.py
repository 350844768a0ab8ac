"""Trading: order placement, position tracking, pause and panic close."""
