"""The two PostgreSQL roles of a deployment and the grants that keep the audit log append-only.

The owner role owns the tables and runs `migrate` (MIGRATE_DATABASE_URL); the service role
(DATABASE_URL) reads and writes the domain's tables but may only SELECT and INSERT the event
log and its checkpoints, and move a stream head only through the columns event_append writes,
which a trigger lets move forward onto the stream's new last event only (migration 0005). It
owns nothing, so it can neither TRUNCATE, UPDATE or DELETE the log nor disable its triggers.
"""

import re

from crisis_api.models import AuditCheckpoint, Event, EventStream

ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
APPEND_ONLY = [Event, AuditCheckpoint]


def grants_sql(*, owner: str, service: str) -> str:
    """The grants to run as the owner after each `migrate` (idempotent)."""
    for name in (owner, service):
        if not ROLE_NAME.match(name):
            raise ValueError(f"{name!r} is not a plain PostgreSQL role name")
    append_only = ", ".join(model._meta.db_table for model in APPEND_ONLY)
    heads = EventStream._meta.db_table
    audit = f"{append_only}, {heads}"
    return f"""\
-- Run as {owner} after each migrate (idempotent).
GRANT USAGE ON SCHEMA public TO {service};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {service};
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {service};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {service};
ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO {service};
-- The audit log: read and append only; a head moves through two columns, forward only.
REVOKE ALL ON {audit} FROM {service};
GRANT SELECT, INSERT ON {audit} TO {service};
GRANT UPDATE (last_sequence, last_hash) ON {heads} TO {service};
-- Migrations are the owner's.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {service};
"""


def roles_sql(*, owner: str, service: str, database: str) -> str:
    """Creating the two roles, once per deployment (as a superuser), then the grants."""
    if not ROLE_NAME.match(database):
        raise ValueError(f"{database!r} is not a plain PostgreSQL database name")
    grants = grants_sql(owner=owner, service=service)
    return f"""\
-- Once, as a superuser: the owner runs migrate (MIGRATE_DATABASE_URL), the service runs
-- everything else (DATABASE_URL). Neither is a superuser; the service owns nothing.
CREATE ROLE {owner} LOGIN PASSWORD 'change-me-owner';
CREATE ROLE {service} LOGIN PASSWORD 'change-me-service';
CREATE DATABASE {database} OWNER {owner};
\\connect {database}
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO {owner};
SET ROLE {owner};
{grants}"""
