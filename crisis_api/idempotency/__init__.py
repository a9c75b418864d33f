"""`Idempotency-Key` on every POST under /api/ (IETF draft "The Idempotency-Key HTTP Header")."""
