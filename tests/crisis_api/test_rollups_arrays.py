"""The arrays of values ingestion sends to PostgreSQL as literals (text, UUIDs, aware
datetimes, JSON) hold exactly the values the driver's own adapters would have sent."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.db import DataError, connection

from crisis_api.models import EventStream
from crisis_api.rollups import add_to, text_array, unnest
from incidents.models import Incident
from incidents.monitoring.models import Signal

TEXTS = [
    "", "plain", 'a "quoted" word', "back\\slash", "\\", '"', "{braces}, commas",
    "NULL", "null", " spaced ", "line\nbreak\ttab", "é ü 😀 \u2028", "\\\"", "'single'",
]  # fmt: skip


def test_text_array_quotes_every_element():
    assert text_array([]) == "{}"
    assert text_array([""]) == '{""}'
    assert text_array(['a"b', "c\\d"]) == '{"a\\"b","c\\\\d"}'


def test_text_array_declines_a_nul():
    """PostgreSQL text cannot hold NUL: the driver's own dumper then refuses it, as before."""
    assert text_array(["a\x00b"]) is None


needs_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="arrays of literals are PostgreSQL's"
)


@needs_postgresql
@pytest.mark.django_db
def test_text_arrays_read_back_as_sent():
    with connection.cursor() as cursor:
        cursor.execute("SELECT unnest(%s::text[])", [text_array(TEXTS)])
        assert [row[0] for row in cursor.fetchall()] == TEXTS


@needs_postgresql
@pytest.mark.django_db
def test_unnest_of_signal_columns_reads_back_as_sent():
    """Every column kind ingestion stores (text, UUIDs, aware datetimes of any offset, JSON)
    comes back from the literal arrays as the values themselves."""
    moments = [
        datetime(2026, 11, 25, 9, 12, 0, 123456, tzinfo=UTC),
        datetime(2026, 11, 25, 9, 12, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-11))),
    ]
    raws = [{}, {"a": [1, 2.5, None, True], "é": {"q": 'x"\\'}}, {"n": 10**20}]
    rows = [
        {"id": uuid.uuid4(), "content": TEXTS[i], "observed_at": moment, "raw": raw}
        for i, (moment, raw) in enumerate(zip(moments, raws, strict=True))
    ]
    fields = [Signal._meta.get_field(name) for name in ("id", "content", "observed_at", "raw")]
    source, params = unnest(connection, fields, rows)
    assert all(isinstance(param, str) for param in params)  # literals, not lists
    with connection.cursor() as cursor:
        cursor.execute(source, params)
        got = cursor.fetchall()
    # Django reads jsonb as text (JSONField decodes it): decoded here.
    assert [(r[0], r[1], r[2], json.loads(r[3])) for r in got] == [
        (row["id"], row["content"], row["observed_at"], row["raw"]) for row in rows
    ]


@needs_postgresql
@pytest.mark.django_db
def test_a_text_with_nul_is_refused_as_before():
    fields = [EventStream._meta.get_field("name")]
    source, params = unnest(connection, fields, [{"name": "a\x00b"}])
    assert params == [["a\x00b"]]  # left to the driver, which refuses it
    with pytest.raises(DataError), connection.cursor() as cursor:
        cursor.execute(source, params)


@needs_postgresql
@pytest.mark.django_db
def test_aware_datetimes_with_a_sub_second_offset_are_left_to_the_driver():
    odd = timezone(timedelta(hours=1, microseconds=5))
    fields = [Signal._meta.get_field("observed_at")]
    moment = datetime(2026, 11, 25, 9, 12, tzinfo=odd)
    _source, params = unnest(connection, fields, [{"observed_at": moment}])
    assert params == [[moment]]


@pytest.mark.django_db
def test_add_to_adds_every_row_of_a_repeated_key_too(make_incident):
    """One row per key takes PostgreSQL's joined UPDATE; a key given twice adds twice."""
    first, second = make_incident(), make_incident()
    add_to(
        Incident,
        [
            {"pk": first.pk, "signal_count": 2, "signal_reach": 10},
            {"pk": second.pk, "signal_count": 1, "signal_reach": 0},
        ],
        add=("signal_count", "signal_reach"),
    )
    add_to(
        Incident,
        [{"pk": first.pk, "signal_count": 1, "signal_reach": 5}] * 2,
        add=("signal_count", "signal_reach"),
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.signal_count, first.signal_reach) == (4, 20)
    assert (second.signal_count, second.signal_reach) == (1, 0)
