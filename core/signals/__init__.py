"""Signals: the webhook, parsers per alert format, dedup, auth, the signal log and demo alerts."""
