"""Keyset cursors: every page starts past the (value, id) of the row before it, so a walk over
rows that tie on the ordering's field returns each row once, in order, forward and back, and
rows written between two pages neither repeat nor hide the others."""

import itertools
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident

LIST = reverse("incident-list")
PAGE = 3


@pytest.fixture
def tied(make_incident, manager):
    """Eleven incidents created at one instant (they tie on `created_at`), eight of them
    without a deadline (they tie on `next_due_at` and `response_due_at`)."""
    for n in range(11):
        make_incident("assessed" if n % 4 == 0 else "detected", actor=manager, title=f"Tie {n}")
    Incident.objects.update(created_at=timezone.now() - timedelta(days=1))
    return Incident.objects.count()


def references(body) -> list[str]:
    return [row["reference"] for row in body["results"]]


def flat(pages) -> list[str]:
    return list(itertools.chain.from_iterable(pages))


def walk(client, url, params=None, link="next"):
    """The pages from `url` following `link` (lists of references), and the last body."""
    pages = []
    while url:
        body = client.get(url, params).json()
        pages.append(references(body))
        url, params = body[link], None
    return pages, body


ORDERINGS = ["next_due_at", "-next_due_at", "response_due_at", "created_at", "-created_at"]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_a_walk_over_ties_returns_every_row_once_in_order_forward_and_back(
    ordering, tied, manager, client_for
):
    client = client_for(manager)
    whole = references(client.get(LIST, {"ordering": ordering, "page_size": 100}).json())

    forward, last = walk(client, LIST, {"ordering": ordering, "page_size": PAGE})
    back, first = walk(client, last["previous"], link="previous")

    assert len(whole) == tied
    assert [len(page) for page in forward] == [3, 3, 3, 2]
    assert flat(forward) == whole
    # Back from the last page: the other pages again, in reverse, the first with no previous.
    assert back == forward[-2::-1]
    assert first["previous"] is None
    assert references(client.get(first["next"]).json()) == forward[1]


@pytest.mark.parametrize("ordering", ["-created_at", "next_due_at"])
def test_rows_written_between_two_pages_neither_repeat_nor_hide_the_others(
    ordering, tied, make_incident, manager, client_for, monkeypatch
):
    client = client_for(manager)
    first = client.get(LIST, {"ordering": ordering, "page_size": PAGE}).json()
    second = client.get(first["next"]).json()
    cursor = Incident.objects.get(reference=references(second)[-1])
    # Rows tied with the cursor's row on the ordering's value, one on either side of its id
    # (an OFFSET past the ties would shift by one), one newer and one older than every row.
    written = {}
    for name, offset in (("id below", -1), ("id above", 1)):
        pk = uuid.UUID(int=cursor.pk.int + offset)
        monkeypatch.setattr(Incident._meta.get_field("id"), "_get_default", lambda pk=pk: pk)
        written[name] = make_incident(actor=manager, title=name)
        Incident.objects.filter(pk=pk).update(created_at=cursor.created_at)
    monkeypatch.undo()
    written["newer"] = make_incident(actor=manager, title="newer")
    written["older"] = make_incident(actor=manager, title="older")
    Incident.objects.filter(pk=written["older"].pk).update(
        created_at=cursor.created_at - timedelta(days=1)
    )

    rest = flat(walk(client, second["next"])[0])

    seen = references(first) + references(second) + rest
    assert len(seen) == len(set(seen))
    assert set(seen) >= set(Incident.objects.filter(title__startswith="Tie").values_list(
        "reference", flat=True))  # fmt: skip
    # Past the cursor: the tie above its id in ascending order, below it in descending order.
    past, behind = (
        ("id below", "id above") if ordering.startswith("-") else ("id above", "id below")
    )
    assert written[past].reference in rest
    assert written[behind].reference not in seen
    if ordering == "-created_at":
        assert written["older"].reference in rest
        assert written["newer"].reference not in seen


def test_an_empty_page_still_links_back_to_the_rows(tied, viewer, client_for):
    client = client_for(viewer)
    first = client.get(LIST, {"ordering": "next_due_at", "page_size": PAGE}).json()
    second = client.get(first["next"]).json()
    # Every row after the second page leaves the viewer's sight: its `next` finds nothing.
    shown = references(first) + references(second)
    Incident.objects.exclude(reference__in=shown).update(is_confidential=True)

    empty = client.get(second["next"]).json()
    last = client.get(empty["previous"]).json()

    assert (empty["results"], empty["next"]) == ([], None)
    assert references(last) == references(second)
    assert last["next"] is None
    assert references(client.get(last["previous"]).json()) == references(first)


def test_an_empty_previous_page_links_to_the_first(tied, viewer, client_for):
    client = client_for(viewer)
    first = client.get(LIST, {"page_size": PAGE}).json()
    second = client.get(first["next"]).json()
    Incident.objects.filter(reference__in=references(first)).update(is_confidential=True)

    empty = client.get(second["previous"]).json()

    assert (empty["results"], empty["previous"]) == ([], None)
    assert references(client.get(empty["next"]).json()) == references(second)
    assert "cursor" not in empty["next"]


def test_a_deep_page_costs_the_queries_of_the_first(tied, manager, client_for):
    client = client_for(manager)
    params = {"ordering": "next_due_at", "page_size": PAGE}
    with CaptureQueriesContext(connection) as first:
        body = client.get(LIST, params).json()
    for _ in range(2):
        body = client.get(body["next"]).json()
    with CaptureQueriesContext(connection) as deep:
        client.get(body["next"])

    assert len(deep) == len(first)
    assert not any("OFFSET" in query["sql"] for query in deep.captured_queries)
