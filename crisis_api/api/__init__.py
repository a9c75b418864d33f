"""The platform's own endpoints (API tokens), wired under /api/v1/ by config.urls."""
