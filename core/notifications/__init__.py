"""Notifications: what the engine tells the operator, persisted in an outbox until delivered."""
