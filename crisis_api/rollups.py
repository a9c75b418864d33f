"""Counters kept up to date as rows arrive: one upsert adds a batch's figures to its rows.

Django's bulk_create(update_conflicts=True) can only overwrite a column; a rollup must add to
it (signals = signals + excluded.signals) and keep the smallest or largest value seen. This
writes that statement for PostgreSQL and SQLite (both have INSERT … ON CONFLICT … DO UPDATE).
Rows are sent in key order, so two writers adding to the same rows wait, never deadlock.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models
from django.db.models.expressions import RawSQL

# Column types whose Python values (str, int, float, UUID, aware datetime, None) the PostgreSQL
# driver takes as they are: get_db_prep_save, a few microseconds a value, is skipped for them.
_AS_IS = {
    "AutoField", "BigAutoField", "BigIntegerField", "CharField", "DateTimeField", "FloatField",
    "IntegerField", "PositiveBigIntegerField", "PositiveIntegerField", "TextField", "URLField",
    "UUIDField",
}  # fmt: skip

_INTEGERS = {
    "AutoField", "BigAutoField", "BigIntegerField", "IntegerField", "PositiveBigIntegerField",
    "PositiveIntegerField",
}  # fmt: skip


def unnest(connection, fields, rows: Sequence[dict]) -> tuple[str, list]:
    """`SELECT * FROM UNNEST(%s::type[], …)` and its parameters (a list per column) for
    inserting `rows` (dicts by field name) on PostgreSQL, as Django's bulk_create does."""
    types, params = [], []
    for field in fields:
        target = field.target_field if field.is_relation else field
        types.append(field.db_type(connection).split("(")[0])
        values = [row[field.name] for row in rows]
        kind = target.get_internal_type()
        if kind in _INTEGERS and all(type(value) is int for value in values):
            # An integer array as one text literal: the driver dumps a list in Python.
            values = "{" + ",".join(map(str, values)) + "}"
        elif kind not in _AS_IS:
            values = [field.get_db_prep_save(value, connection) for value in values]
        params.append(values)
    source = "SELECT * FROM UNNEST(" + ", ".join(f"%s::{t}[]" for t in types) + ") "
    return source, params


def rollup_add(
    model: type[models.Model],
    rows: Iterable[dict],
    *,
    keys: Sequence[str],
    add: Sequence[str] = (),
    least: Sequence[str] = (),
    greatest: Sequence[str] = (),
) -> None:
    """Insert each row, or add its `add` columns to the stored row with the same `keys` and
    keep the smaller `least` and the larger `greatest` values (NULL: none yet)."""
    rows = sorted(rows, key=lambda row: tuple(str(row[key]) for key in keys))
    if not rows:
        return
    meta = model._meta
    names = [*keys, *add, *least, *greatest]
    fields = [meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column = {name: quote(meta.get_field(name).column) for name in names}
    sqlite = connection.vendor == "sqlite"
    smaller, larger = ("MIN", "MAX") if sqlite else ("LEAST", "GREATEST")

    def extreme(function: str, name: str) -> str:
        # Text compares by code point, as Python does (SQLite's default; "C" on PostgreSQL).
        text = meta.get_field(name).get_internal_type() in ("CharField", "TextField")
        collate = ' COLLATE "C"' if text and not sqlite else ""
        old, new = f"{table}.{column[name]}", f"excluded.{column[name]}"
        # NULL means "none yet": the other value wins (SQLite's MIN would answer NULL).
        return (
            f"{column[name]} = {function}(COALESCE({old}, {new}){collate}, "
            f"COALESCE({new}, {old}){collate})"
        )

    updates = [f"{column[n]} = {table}.{column[n]} + excluded.{column[n]}" for n in add]
    updates += [extreme(smaller, n) for n in least]
    updates += [extreme(larger, n) for n in greatest]
    into = f"INSERT INTO {table} ({', '.join(column[n] for n in names)}) "
    conflict = (
        f"ON CONFLICT ({', '.join(column[n] for n in keys)}) DO UPDATE SET {', '.join(updates)}"
    )
    if connection.vendor == "postgresql":
        # One array per column: a short statement whatever the number of rows (the driver
        # need not scan thousands of placeholders, the server parses one).
        source, params = unnest(connection, fields, rows)
        with connection.cursor() as cursor:
            cursor.execute(into + source + conflict, params)
        return
    statement = into + "VALUES {values} " + conflict
    placeholder = "(" + ", ".join(["%s"] * len(names)) + ")"
    # SQLite binds at most 999 parameters per statement (Django's bound); PostgreSQL far more.
    limit = connection.features.max_query_params or 65535
    per_statement = max(1, min(1000, limit // len(names)))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [
                field.get_db_prep_save(row[name], connection)
                for row in chunk
                for name, field in zip(names, fields, strict=True)
            ]
            cursor.execute(statement.format(values=", ".join([placeholder] * len(chunk))), params)


def add_to(model: type[models.Model], rows: Iterable[dict], *, add: Sequence[str]) -> None:
    """Add each row's `add` columns to the stored row with its primary key (`pk`), in key
    order: one UPDATE sent for every row (executemany; the PostgreSQL driver pipelines them)."""
    rows = sorted(rows, key=lambda row: str(row["pk"]))
    if not rows:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [quote(meta.get_field(name).column) for name in add]
    statement = (
        f"UPDATE {quote(meta.db_table)} SET "
        + ", ".join(f"{column} = {column} + %s" for column in columns)
        + f" WHERE {quote(meta.pk.column)} = %s"
    )
    pk = meta.pk
    params = [[*(row[name] for name in add), pk.get_db_prep_value(row["pk"], connection)]
              for row in rows]  # fmt: skip
    with connection.cursor() as cursor:
        cursor.executemany(statement, params)


def insert_new(model: type[models.Model], rows: Sequence[dict], names: Sequence[str]) -> list:
    """Insert `rows` (dicts by field name) in one statement on PostgreSQL, skipping those a
    unique constraint refuses, and return the primary keys of the rows inserted."""
    with connection.cursor() as cursor:
        cursor.execute(*_insert_ignoring(model, rows, names, returning=True))
        return [row[0] for row in cursor.fetchall()]


def insert_ignoring(model: type[models.Model], rows: Sequence[dict], names: Sequence[str]) -> None:
    """Insert `rows` (dicts by field name), skipping those a unique constraint refuses: one
    statement of arrays on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        fields = [model._meta.get_field(name) for name in names]
        objects = [model(**{f.attname: row[f.name] for f in fields}) for row in rows]
        model.objects.bulk_create(objects, ignore_conflicts=True)
        return
    with connection.cursor() as cursor:
        cursor.execute(*_insert_ignoring(model, rows, names, returning=False))


def _insert_ignoring(model, rows, names, *, returning: bool) -> tuple[str, list]:
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    source, params = unnest(connection, fields, rows)
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"{source}ON CONFLICT DO NOTHING"
    )
    if returning:
        statement += f" RETURNING {quote(meta.pk.column)}"
    return statement, params


def one_of(values: Iterable, array_type: str):
    """The right side of a `__in` filter: on PostgreSQL one array parameter (`IN (SELECT
    unnest(%s::type[]))`) instead of a placeholder per value, which the driver scans in Python
    for a list of thousands; the values themselves elsewhere. Integers and hex digests only:
    the array is written as text without quoting."""
    values = sorted(set(values))
    if connection.vendor != "postgresql":
        return values
    literal = "{" + ",".join(map(str, values)) + "}"
    return RawSQL(f"SELECT unnest(%s::{array_type}[])", (literal,))
