"""Every list's FilterSet builds only the filters its query names."""

import django_filters
from django.http import QueryDict
from django.urls import get_resolver

from crisis_api.filters import FilterSet
from incidents.api.filters import IncidentFilter
from incidents.models import Incident


def all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from all_subclasses(sub)


def test_every_filterset_of_the_project_is_the_platforms():
    assert get_resolver().url_patterns  # every view, and the filters they name, imported
    ours = [cls for cls in all_subclasses(django_filters.FilterSet)
            if cls.__module__.startswith(("crisis_api.", "incidents."))]  # fmt: skip
    assert len(ours) >= 6  # the platform's and five lists'
    assert all(issubclass(cls, FilterSet) for cls in ours), ours


def test_only_the_named_filters_are_built(db):
    named = IncidentFilter(QueryDict("status=detected&q=leak&unknown=1"), Incident.objects.all())
    assert set(named.filters) == {"status", "q"}
    assert set(named.form.fields) == {"status", "q"}
    none = IncidentFilter(QueryDict(""), Incident.objects.all())
    assert none.filters == {} and none.is_valid()
    assert str(none.qs.query) == str(Incident.objects.all().query)
    assert set(IncidentFilter.base_filters) >= {"status", "owner", "q", "created_after"}


def test_an_invalid_named_filter_is_still_refused(db):
    bad = IncidentFilter(QueryDict("status=nope"), Incident.objects.all())
    assert not bad.is_valid() and set(bad.errors) == {"status"}
