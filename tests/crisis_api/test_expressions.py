"""JSONList: a related column of many rows as one JSON list, in the queryset's order; JSONRows:
rows of several columns (grouped ones too) as one JSON list of arrays."""

from django.db.models import Count, OuterRef

from crisis_api.expressions import JSONList, JSONRows
from incidents.models import Incident
from incidents.selectors import participant_names


def test_the_rows_in_order_and_an_empty_list_for_none(make_incident, make_user):
    names = ["zoé", "Bob", "alice", "émile", "_x", "Ana"]
    crowded, alone = make_incident(), make_incident()
    crowded.participants.set([make_user("viewer", username=name) for name in names])
    through = Incident.participants.through.objects.filter(incident=OuterRef("pk"))
    listed = dict(
        Incident.objects.annotate(
            names=JSONList(through.order_by("user__username"), "user__username", limit=100)
        ).values_list("pk", "names")
    )
    # The database's order, as the separate query reads it.
    expected = participant_names(incident_ids=[crowded.pk, alone.pk])
    assert listed[crowded.pk] == expected[crowded.pk]
    assert sorted(listed[crowded.pk]) == sorted(names)
    assert listed[alone.pk] == expected[alone.pk] == []


def test_the_limit_bounds_the_rows(make_incident, make_user):
    incident = make_incident()
    incident.participants.set([make_user("viewer", username=f"p{i}") for i in range(5)])
    through = Incident.participants.through.objects.filter(incident=OuterRef("pk"))
    column = JSONList(through.order_by("-user__username"), "user__username", limit=2)
    assert Incident.objects.annotate(names=column).get(pk=incident.pk).names == ["p4", "p3"]


def test_rows_of_several_columns_grouped(make_incident, make_user):
    crowded, alone = make_incident(), make_incident()
    roles = ["viewer", "viewer", "manager"]
    crowded.participants.set(
        [make_user(role, username=f"{role}{i}") for i, role in enumerate(roles)]
    )
    through = Incident.participants.through.objects.filter(incident=OuterRef("pk"))
    per_role = through.values("user__groups__name").annotate(n=Count("pk")).order_by()
    column = JSONRows(per_role, ("user__groups__name", "n"))

    rows = dict(Incident.objects.annotate(rows=column).values_list("pk", "rows"))

    assert sorted(map(tuple, rows[crowded.pk])) == [("manager", 1), ("viewer", 2)]
    assert rows[alone.pk] == []
