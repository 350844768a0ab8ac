"""Telegram front end: Controller, Notification and Analytics bots (SPEC §9)."""
