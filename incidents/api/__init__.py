"""HTTP API v1 for incidents."""
