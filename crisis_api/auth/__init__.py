"""Authentication for API clients: bearer tokens, roles and permission loading."""
