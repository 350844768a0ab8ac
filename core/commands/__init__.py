"""The command registry (one source of truth for every surface) and the command modules."""
