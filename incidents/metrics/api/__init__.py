"""Team metrics over the API."""
