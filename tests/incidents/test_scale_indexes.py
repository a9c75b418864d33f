"""The indexes of migration incidents 0008: on PostgreSQL the planner answers the list's
queries from them (a handful of rows: sequential scans are switched off so that the planner
shows the index it can use); on SQLite the trigram indexes are plain indexes and `?q=` still
finds substrings."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.api.filters import IncidentFilter
from incidents.models import Incident
from tests.concurrency import POSTGRES_ONLY

URL = reverse("incident-list")


def postgres_only(test):
    for mark in POSTGRES_ONLY:
        test = mark(test)
    return test


def plan_of(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def page_query(client, params) -> str:
    """The SQL of the list's page query (the one selecting from incidents with a LIMIT)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, params)
    assert response.status_code == 200, response.json()
    pages = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "incidents_incident"' in q["sql"]
        and "LIMIT" in q["sql"]
    ]  # fmt: skip
    assert pages, [q["sql"] for q in captured.captured_queries]
    return pages[0]


def test_q_finds_substrings_of_reference_title_and_summary_on_every_database(
    make_incident, client_for, manager
):
    in_title = make_incident(title="Boycott call in Lyon")
    in_summary = make_incident(title="Other", summary="A journalist from LYONNAIS media called.")
    make_incident(title="Nothing here", summary="Quiet.")
    client = client_for(manager)

    response = client.get(URL, {"q": "lyon"})

    assert response.status_code == 200
    found = {row["reference"] for row in response.json()["results"]}
    assert found == {in_title.reference, in_summary.reference}
    reference = client.get(URL, {"q": in_title.reference[-6:]}).json()["results"]
    assert in_title.reference in {row["reference"] for row in reference}


@pytest.mark.parametrize(
    "index", ["incident_reference_trgm", "incident_title_trgm", "incident_summary_trgm"]
)
@postgres_only
def test_q_uses_the_trigram_indexes(index, make_incident):
    make_incident(title="Boycott call in Lyon")
    queryset = IncidentFilter({"q": "lyon"}, queryset=Incident.objects.all()).qs.order_by()
    sql, params = queryset.query.sql_with_params()

    plan = plan_of(sql, params)

    assert f"Bitmap Index Scan on {index}" in plan, plan


@pytest.mark.parametrize(
    ("params", "index"),
    [
        ({}, "incident_created"),
        ({"ordering": "created_at"}, "incident_created"),
        ({"ordering": "response_due_at"}, "incident_response_due_order"),
        ({"ordering": "-response_due_at"}, "incident_response_due_order"),
        ({"ordering": "next_due_at"}, "incident_next_due_order"),
    ],
)
@postgres_only
def test_the_pages_of_each_order_are_index_scans(params, index, make_incident, client_for, manager):
    for n in range(3):
        make_incident("assessed" if n else "detected", title=f"Incident {n}")
    client = client_for(manager)
    first = client.get(URL, {**params, "page_size": 1}).json()

    first_page = plan_of(page_query(client, {**params, "page_size": 1}))
    # A page further on: the cursor's position is a bound of the same index scan.
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    next_sql = page_query(client, {**params, "page_size": 1, "cursor": cursor})
    next_page = plan_of(next_sql)

    assert f"Index Scan using {index}" in first_page or f"Index Scan Backward using {index}" in (
        first_page
    ), first_page
    # The cursor's (value, id) bounds the same scan as a row comparison, nothing skipped.
    assert index in next_page, next_page
    assert "Index Cond: (ROW(" in next_page, next_page
    assert "OFFSET" not in next_sql, next_sql


@pytest.mark.parametrize("role", ["manager", "viewer"])
@postgres_only
def test_metrics_read_the_incidents_from_the_detection_index_alone(
    role, request, make_incident, client_for
):
    """Every query of the metrics that reads incidents (the counts and percentiles, the weeks,
    and the records attached to them) is an index-only scan of incident_detected, for those
    who see every incident and for those who see some (migration incidents 0013): a field
    the metrics start reading must be added to incidents.models.METRICS_FIELDS."""
    make_incident()
    make_incident("resolved")
    with CaptureQueriesContext(connection) as captured:
        response = client_for(request.getfixturevalue(role)).get("/api/v1/metrics/")
    assert response.status_code == 200, response.json()
    # (A compiled query sent with server-side binding is logged without its SQL: None.)
    statements = [q["sql"] or "" for q in captured.captured_queries]
    reads = [sql for sql in statements if '"incidents_incident"' in sql]

    assert len(reads) == 4, reads  # the counts, the weeks, communications, compensations
    for sql in reads:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            plan = plan_of(sql)
        assert "Index Only Scan using incident_detected on incidents_incident" in plan, plan


@postgres_only
def test_the_stored_review_document_is_the_indexed_one(make_incident, manager):
    from importlib import import_module

    from incidents.models import IncidentReview

    make_incident("reviewed", actor=manager)
    document = import_module("incidents.migrations.0007_review_search_index").DOCUMENT
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), count(*) FILTER (WHERE search_document = ({document})) "
            f"FROM {IncidentReview._meta.db_table}"
        )
        reviews, equal = cursor.fetchone()

    assert reviews == equal == 1


@postgres_only
def test_the_stored_review_document_stays_in_the_row(db):
    """Migration incidents 0011: storage MAIN, so ranking reads no TOAST table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = "
            "'incidents_incidentreview'::regclass AND attname = 'search_document'"
        )
        assert cursor.fetchone() == ("m",)


@postgres_only
def test_a_viewers_page_checks_who_takes_part_row_by_row(make_incident, client_for, viewer):
    """Whether the viewer takes part in a confidential incident is checked for each row the page
    reads (crisis_api.expressions.RowwiseExists), never by hashing first every incident they
    take part in (3.8 ms a page at a million incidents)."""
    make_incident(is_confidential=True)
    sql = page_query(client_for(viewer), {})

    plan = plan_of(sql)

    assert "OFFSET 0)" in sql, sql
    assert "SubPlan" in plan and "hashed SubPlan" not in plan, plan
