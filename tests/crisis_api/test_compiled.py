"""CompiledQuery: a queryset compiled once per process, run with each call's values, gives what
the queryset gives; a query whose SQL would change with a value is refused."""

import itertools
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection
from django.db.models import F, Q

from crisis_api.compiled import CompiledQuery
from incidents.models import Incident

User = get_user_model()

BY_CREATOR = CompiledQuery(
    lambda user_id, after: (
        Incident.objects.filter(created_by_id=user_id, created_at__gt=after)
        .select_related("created_by", "owner")
        .annotate(creator=F("created_by__username"))
        .order_by("reference")
    ),
    user_id=Incident._meta.get_field("created_by"),
    after=Incident._meta.get_field("created_at"),
)
ONE = CompiledQuery(
    lambda pk: Incident.objects.filter(pk=pk).values_list("reference", "channels"),
    pk=Incident._meta.pk,
)


def test_objects_are_the_queryset_s(make_incident, make_user):
    alice, bob = make_user("responder"), make_user("responder")
    mine = [make_incident(actor=alice), make_incident("responding", actor=alice)]
    make_incident(actor=bob)
    start = datetime(2000, 1, 1, tzinfo=UTC)

    for user in (alice, bob, alice):  # the second call of a user runs the kept SQL
        found = BY_CREATOR.objects(user_id=user.pk, after=start)
        expected = list(
            Incident.objects.filter(created_by=user, created_at__gt=start)
            .select_related("created_by", "owner")
            .order_by("reference")
        )
        assert [i.pk for i in found] == [i.pk for i in expected]
        for got, want in zip(found, expected, strict=True):
            assert got.created_by == want.created_by and got.owner == want.owner
            assert got.creator == user.username
            assert got.created_at == want.created_at and got.channels == want.channels
            assert got.__dict__.keys() >= {"id", "title", "status", "creator"}
    assert BY_CREATOR.objects(user_id=alice.pk, after=datetime.now(UTC)) == []
    assert {i.pk for i in mine} == {i.pk for i in BY_CREATOR.objects(user_id=alice.pk, after=start)}


def test_rows_convert_their_values(make_incident):
    incident = make_incident()
    Incident.objects.filter(pk=incident.pk).update(channels=["x", "tiktok"])

    assert ONE.rows(pk=str(incident.pk)) == [(incident.reference, ["x", "tiktok"])]
    assert ONE.rows(pk=incident.pk) == [(incident.reference, ["x", "tiktok"])]


def test_a_value_that_is_not_of_its_field_is_refused(db):
    with pytest.raises(ValidationError):
        ONE.rows(pk="not-a-uuid")


def test_a_query_whose_sql_changes_with_a_value_is_refused(db):
    builds = itertools.count()
    changing = CompiledQuery(
        lambda user_id: Incident.objects.filter(
            Q(owner_id=user_id) if next(builds) else Q(created_by_id=user_id)
        ),
        user_id=User._meta.pk,
    )
    with pytest.raises(ImproperlyConfigured, match="changes with 'user_id'"):
        changing.rows(user_id=1)


def test_a_value_the_query_does_not_use_is_refused(db):
    unused = CompiledQuery(lambda user_id: Incident.objects.all(), user_id=User._meta.pk)
    with pytest.raises(ImproperlyConfigured, match="not a parameter"):
        unused.objects(user_id=1)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_on_postgresql_a_query_run_often_is_prepared(make_incident):
    incident = make_incident()

    for _ in range(6):  # prepare_threshold (config.settings): 5
        assert ONE.rows(pk=incident.pk) == [(incident.reference, [])]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['SELECT "incidents_incident"."reference" AS "reference", %'],
        )
        prepared = cursor.fetchone()[0]

    assert prepared == 1
    assert ONE.rows(pk=incident.pk) == [(incident.reference, [])]  # the prepared statement
