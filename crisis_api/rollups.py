"""Counters kept up to date as rows arrive: one upsert adds a batch's figures to its rows.

Django's bulk_create(update_conflicts=True) can only overwrite a column; a rollup must add to
it (signals = signals + excluded.signals) and keep the smallest or largest value seen. This
writes that statement for PostgreSQL and SQLite (both have INSERT … ON CONFLICT … DO UPDATE).
Rows are sent in key order, so two writers adding to the same rows wait, never deadlock.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, models


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
    statement = (
        f"INSERT INTO {table} ({', '.join(column[n] for n in names)}) VALUES {{values}} "
        f"ON CONFLICT ({', '.join(column[n] for n in keys)}) DO UPDATE SET {', '.join(updates)}"
    )
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
