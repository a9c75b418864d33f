"""Team metrics: how fast the team assesses, responds and resolves, and what it took."""
