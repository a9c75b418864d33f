"""JSONList: a related column of many rows as one JSON list, in the queryset's order."""

from django.db.models import OuterRef

from crisis_api.expressions import JSONList
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
