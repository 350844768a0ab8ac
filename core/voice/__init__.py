"""Voice alerts: spoken sentences on the host and OGG/Opus voice notes for Telegram."""
