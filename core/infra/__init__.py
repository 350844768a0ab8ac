"""Infrastructure: recovery, state sync and conflicts, checkpoints and rollback, performance."""
