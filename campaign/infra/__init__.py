"""Infrastructure the apps stand on: the outbox, the cache, backups, document rendering, history diffs."""
