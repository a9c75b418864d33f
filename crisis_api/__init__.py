"""The platform every Crisis API resource shares: tokens and roles, errors, pagination,
request ids, health checks and the tamper-evident event log. It never imports a domain app."""
