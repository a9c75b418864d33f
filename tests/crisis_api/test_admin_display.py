"""The admin's display helpers and site: one date format, one empty marker, titled filters."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.utils import display_for_field
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation

from crisis_api.admin_display import EMPTY, datetime_display, duration_display
from crisis_api.events.services import SYSTEM_STREAM, event_append

MOMENT = datetime(2026, 11, 25, 18, 53, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Nov. 25, 2026, 7:53 p.m."), ("fr", "25 novembre 2026 19:53")],
)
def test_datetime_display_is_localised_in_the_current_time_zone(language, expected):
    with translation.override(language), timezone.override("Europe/Paris"):
        assert datetime_display(MOMENT) == expected


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        (timedelta(hours=1), "en", "1 hour"),
        (timedelta(days=3), "en", "3 days"),
        (timedelta(days=1, hours=2, minutes=30, seconds=59), "en", "1 day, 2 hours, 30 minutes"),
        (timedelta(days=14), "fr", "14 jours"),
        (timedelta(hours=1, minutes=1), "fr", "1 heure, 1 minute"),
        (timedelta(seconds=30), "en", "0 minutes"),
        (None, "en", EMPTY),
    ],
)
def test_duration_display_in_words(value, language, expected):
    with translation.override(language):
        assert duration_display(value) == expected


@pytest.mark.parametrize("language", ["en", "fr"])
def test_datetime_display_matches_the_admins_own_date_fields(language):
    with translation.override(language), timezone.override("Europe/Paris"):
        assert datetime_display(MOMENT) == display_for_field(MOMENT, models.DateTimeField(), "")


def test_nothing_is_one_dash():
    assert datetime_display(None) == EMPTY == "—"
    assert admin.site.empty_value_display == EMPTY


@pytest.fixture
def manager_client(client, manager, plain_static_files):
    client.force_login(manager)
    return client


@pytest.fixture
def two_actors(manager, make_user):
    """Events by two people (a filter with a single choice is not shown)."""
    event_append(stream=SYSTEM_STREAM, action="test.done", actor=manager)
    event_append(stream=SYSTEM_STREAM, action="test.checked", actor=make_user("responder"))


@pytest.mark.usefixtures("two_actors")
def test_event_log_has_titled_filters_and_one_empty_marker(manager_client):

    response = manager_client.get(reverse("admin:crisis_api_event_changelist"))

    html = response.content.decode()
    assert response.status_code == 200
    for title in ("stream", "action", "actor", "date"):
        assert f'data-filter-title="{title}"' in html
    assert 'data-filter-title="at"' not in html
    assert '<td class="field-status_change">—</td>' in html  # no status on this event
    assert ">-<" not in html


@pytest.mark.usefixtures("two_actors")
def test_event_log_filter_titles_follow_the_language(manager_client):
    response = manager_client.get(
        reverse("admin:crisis_api_event_changelist"), headers={"Accept-Language": "fr"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-filter-title="auteur"' in html
    assert 'data-filter-title="flux"' in html


def test_site_links_the_api_docs_instead_of_a_missing_site(manager_client):
    html = manager_client.get(reverse("admin:index")).content.decode()

    assert f'<a href="{reverse("swagger-ui")}">API documentation</a>' in html
    assert "View site" not in html
