"""Queries compiled once per process: a queryset's SQL kept, and run with each call's values.

Building a queryset (filters, annotations, subqueries) and compiling it to SQL costs Django
more Python than running it and building its rows: for the few queries every request runs (the
token, the permissions, one incident), a `CompiledQuery` pays that once per process. On
PostgreSQL it sends its values apart from its SQL, so that psycopg prepares it and PostgreSQL
plans it once per connection (planning these queries cost more than running them).
"""

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, ForeignKey, QuerySet
from django.db.models.query import get_related_populators

# Two stand-in values per kind of field, for finding where a value goes among the parameters.
_SAMPLES = {
    "UUIDField": (uuid.UUID(int=0x5A), uuid.UUID(int=0x5B)),
    "AutoField": (1_000_000_007, 1_000_000_009),
    "BigAutoField": (1_000_000_007, 1_000_000_009),
    "IntegerField": (1_000_000_007, 1_000_000_009),
    "BigIntegerField": (1_000_000_007, 1_000_000_009),
    "DateTimeField": (datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC), datetime(2002, 3, 4, tzinfo=UTC)),
    "CharField": ("compiled-sample-a", "compiled-sample-b"),
    "TextField": ("compiled-sample-a", "compiled-sample-b"),
}


def _samples(field: Field) -> tuple:
    while isinstance(field, ForeignKey):
        field = field.target_field
    try:
        return _SAMPLES[field.get_internal_type()]
    except KeyError:
        raise ImproperlyConfigured(f"No stand-in values for {field!r}.") from None


def _server_binding_cursor(connection):
    """A psycopg cursor that sends its parameters apart from the SQL, so that psycopg prepares
    a statement it runs often (after `prepare_threshold` runs, settings.DATABASES' OPTIONS):
    PostgreSQL then plans it once per connection instead of on every request. Django's own
    cursors merge the values into the SQL, which never prepares.

    Its time zone as Django's cursors have it (DatabaseWrapper.create_cursor)."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    cursor = ServerBindingCursor(connection.connection)
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
    if connection.timezone != loader.timezone:
        register_tzloader(connection.timezone, cursor)
    return cursor


class _Compiled:
    """One connection's SQL of a CompiledQuery, where its values go, and how to read its rows."""

    def __init__(self, queryset: QuerySet, compiler, sql: str, params: list, places: dict):
        self.sql = sql
        self.params = params
        self.places = places
        self.compiler = compiler
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        self.converters = compiler.get_converters(fields)
        self.width = compiler.col_count if compiler.has_extra_select else None
        klass_info = compiler.klass_info
        if klass_info is None:  # values() / values_list(): rows only
            self.model = None
            return
        self.model = klass_info["model"]
        select_fields = klass_info["select_fields"]
        self.start, self.end = select_fields[0], select_fields[-1] + 1
        self.init_list = [
            column[0].target.attname for column in compiler.select[self.start : self.end]
        ]
        self.populators = get_related_populators(klass_info, compiler.select, queryset.db)
        self.annotations = list((compiler.annotation_col_map or {}).items())
        self.db = queryset.db


class CompiledQuery:
    """A query whose SQL depends only on its shape, compiled once per process and database
    connection, then run with each call's values.

    `build(**values)` returns the queryset; `variables` names the model field each value is sent
    as (its database form: `Field.get_db_prep_value`; a foreign key's is its target's). On a
    connection's first call, the queryset is built and compiled with stand-in values, then once
    more per variable with that value changed, to find where each value goes among the
    parameters: a query whose SQL, or whose other parameters, change with a value is refused
    (ImproperlyConfigured) rather than run wrong. Nothing else may vary between calls (the
    caller keeps one CompiledQuery per shape, e.g. per permission that changes the filter).

    `objects(**values)` gives model instances as the queryset would (select_related and
    annotations included, no prefetching), `rows(**values)` the rows of a values() or
    values_list() queryset, as tuples.
    """

    def __init__(self, build: Callable[..., QuerySet], **variables: Field) -> None:
        self.build = build
        self.variables = variables
        self._compiled: dict = {}

    def _compile(self, connection) -> _Compiled:
        samples = {name: _samples(field) for name, field in self.variables.items()}
        first = {name: pair[0] for name, pair in samples.items()}
        queryset = self.build(**first)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        places: dict = {}
        taken: set = set()
        for name, (_first, other) in samples.items():
            varied = self.build(**{**first, name: other}).query.get_compiler(connection=connection)
            varied_sql, varied_params = varied.as_sql()
            if varied_sql != sql or len(varied_params) != len(params):
                raise ImproperlyConfigured(f"The SQL changes with {name!r}: it cannot be kept.")
            places[name] = [
                i for i, (a, b) in enumerate(zip(params, varied_params, strict=True)) if a != b
            ]
            if not places[name] or taken.intersection(places[name]):
                raise ImproperlyConfigured(f"{name!r} is not a parameter of its own.")
            taken.update(places[name])
        return _Compiled(queryset, compiler, sql, params, places)

    def _execute(self, values: dict, using: str) -> tuple[_Compiled, list]:
        connection = connections[using]
        key = (connection.alias, connection.vendor)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(connection)
        params = list(compiled.params)
        for name, field in self.variables.items():
            value = field.get_db_prep_value(values[name], connection, prepared=False)
            for place in compiled.places[name]:
                params[place] = value
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                client, cursor.cursor = cursor.cursor, _server_binding_cursor(connection)
                try:
                    cursor.execute(compiled.sql, params)
                    rows = cursor.fetchall()
                finally:
                    cursor.cursor.close()
                    cursor.cursor = client
            else:
                cursor.execute(compiled.sql, params)
                rows = cursor.fetchall()
        if compiled.width is not None:
            rows = [row[: compiled.width] for row in rows]
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        return compiled, rows

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list[tuple]:
        _compiled, rows = self._execute(values, using)
        return [tuple(row) for row in rows]

    def objects(self, *, using: str = DEFAULT_DB_ALIAS, **values) -> list:
        compiled, rows = self._execute(values, using)
        found = []
        for row in rows:
            obj = compiled.model.from_db(
                compiled.db, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, place in compiled.annotations:
                setattr(obj, name, row[place])
            found.append(obj)
        return found
