"""Counters kept up to date as rows arrive: one upsert adds a batch's figures to its rows.

Django's bulk_create(update_conflicts=True) can only overwrite a column; a rollup must add to
it (signals = signals + excluded.signals) and keep the smallest or largest value seen. This
writes that statement for PostgreSQL and SQLite (both have INSERT … ON CONFLICT … DO UPDATE).
Rows are sent in key order, so two writers adding to the same rows wait, never deadlock.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from uuid import UUID

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

_TEXTS = {"CharField", "TextField", "URLField"}
_INT, _STR, _UUID, _DATETIME = (
    frozenset({int}),
    frozenset({str}),
    frozenset({UUID}),
    frozenset({datetime}),
)
_OFFSET = datetime.utcoffset


def text_array(values: list[str]) -> str | None:
    """The PostgreSQL array literal of `values` (strings), each element quoted with its
    backslashes and double quotes escaped, written by C string methods (the driver's list
    dumper makes a Python call per element); None when a value holds a NUL, which PostgreSQL
    text refuses (the driver then says so)."""
    if not values:
        return "{}"
    joined = "\x00".join(values)
    if joined.count("\x00") != len(values) - 1:
        return None
    return '{"' + joined.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", '","') + '"}'


def _whole_offsets(values: list[datetime]) -> bool:
    """Every datetime is aware, with an offset of whole seconds (which PostgreSQL reads)."""
    offsets = {*map(_OFFSET, values)}  # a handful of distinct offsets
    return all(offset is not None and not offset.microseconds for offset in offsets)


def unnest(connection, fields, rows: Sequence[dict]) -> tuple[str, list]:
    """`SELECT * FROM UNNEST(%s::type[], …)` and its parameters (a list per column) for
    inserting `rows` (dicts by field name) on PostgreSQL, as Django's bulk_create does."""
    types, params = [], []
    for field in fields:
        target = field.target_field if field.is_relation else field
        types.append(field.db_type(connection).split("(")[0])
        values = [row[field.name] for row in rows]
        kind = target.get_internal_type()
        kinds = {*map(type, values)}  # gathered at C speed, as the checks below
        if kind in _INTEGERS and kinds <= _INT:
            # An integer array as one text literal: the driver dumps a list in Python.
            values = "{" + ",".join(map(str, values)) + "}"
        elif kind in _TEXTS and kinds <= _STR:
            values = text_array(values) or values
        elif kind == "UUIDField" and kinds <= _UUID:
            values = "{" + ",".join(map(str, values)) + "}"
        elif kind == "DateTimeField" and kinds <= _DATETIME and _whole_offsets(values):
            # Aware: the offset written, the instant exact.
            values = "{" + ",".join(map(datetime.isoformat, values)) + "}"
        elif kind == "JSONField" and field.encoder is None and None not in values:
            # The JSON text Django's adapter would send (json.dumps), as an array of text.
            dumped = text_array(["{}" if value == {} else json.dumps(value) for value in values])
            values = dumped or [field.get_db_prep_save(value, connection) for value in values]
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
    rows = sorted(rows, key=lambda row: tuple(map(str, map(row.__getitem__, keys))))
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


def update_joined(
    model: type[models.Model],
    rows: Sequence[dict],
    *,
    key: str,
    assign: Sequence[str] = (),
    add: Sequence[str] = (),
) -> None:
    """PostgreSQL: one UPDATE of `model`'s rows joined on `key` to `rows` (dicts by field
    name) sent as arrays: `assign` columns take the row's value, `add` columns add it (the
    statement is planned once, not once per row). A key must not repeat in `rows`."""
    meta = model._meta
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    names = [key, *assign, *add]
    source, params = unnest(connection, [meta.get_field(name) for name in names], rows)
    changes = []
    for i, name in enumerate(names[1:], start=1):
        column = quote(meta.get_field(name).column)
        added = f"{table}.{column} + " if name in add else ""
        changes.append(f"{column} = {added}new.v{i}")
    aliases = ", ".join(f"v{i}" for i in range(len(names)))
    statement = (
        f"UPDATE {table} SET {', '.join(changes)} FROM ({source}) AS new ({aliases}) "
        f"WHERE {table}.{quote(meta.get_field(key).column)} = new.v0"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def add_to(model: type[models.Model], rows: Iterable[dict], *, add: Sequence[str]) -> None:
    """Add each row's `add` columns to the stored row with its primary key (`pk`).

    On PostgreSQL one UPDATE joined to the rows' arrays (`update_joined`) when no key repeats;
    else, and elsewhere, one UPDATE per row, in key order. The caller holds the rows' locks
    (ingestion locks its incidents in id order first): the join's order cannot deadlock."""
    rows = sorted(rows, key=lambda row: str(row["pk"]))
    if not rows:
        return
    meta = model._meta
    pk = meta.pk
    keys = [row["pk"] for row in rows]
    if connection.vendor == "postgresql" and len(set(keys)) == len(keys):  # a row per key
        rows = [{pk.name: row["pk"], **{name: row[name] for name in add}} for row in rows]
        update_joined(model, rows, key=pk.name, add=add)
        return
    quote = connection.ops.quote_name
    columns = [quote(meta.get_field(name).column) for name in add]
    statement = (
        f"UPDATE {quote(meta.db_table)} SET "
        + ", ".join(f"{column} = {column} + %s" for column in columns)
        + f" WHERE {quote(pk.column)} = %s"
    )
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
