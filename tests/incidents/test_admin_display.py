"""How the incidents list shows badges, deadlines and filters, in English and French."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from crisis_api.admin_display import EMPTY, datetime_display
from incidents.admin import display
from incidents.models import Incident

CHANGELIST = reverse("admin:incidents_incident_changelist")


@pytest.fixture
def manager_client(client, manager, plain_static_files):
    client.force_login(manager)
    return client


def test_badges_show_labels_and_keep_the_value(make_incident, manager):
    incident = make_incident("assessed", actor=manager)

    assert display.status_badge(incident).startswith(
        '<span class="crisis-badge" data-value="assessed"'
    )
    assert display.status_badge(incident).endswith(">Assessed</span>")
    assert 'data-value="high"' in display.severity_badge(incident)
    assert display.severity_badge(incident).endswith(">High</span>")


def test_no_severity_and_no_deadline_are_the_empty_marker(make_incident, manager):
    incident = make_incident(actor=manager)

    assert display.severity_badge(incident) == EMPTY
    assert display.deadline(incident) == EMPTY


@pytest.mark.parametrize(("language", "overdue"), [("en", "overdue"), ("fr", "en retard")])
def test_overdue_deadline_is_localised(language, overdue, make_incident, manager):
    incident = make_incident("assessed", actor=manager)
    due = timezone.now() - timedelta(minutes=5)
    Incident.objects.filter(pk=incident.pk).update(response_due_at=due)
    incident.refresh_from_db()

    with translation.override(language):
        shown = display.deadline(incident)
        assert shown == (
            f'<strong class="crisis-overdue" style="color:#b71c1c">'
            f"{datetime_display(due)} · {overdue}</strong>"
        )


def test_deadline_not_yet_passed_is_the_date_alone(make_incident, manager):
    incident = make_incident("assessed", actor=manager)

    assert display.deadline(incident) == datetime_display(incident.response_due_at)


def test_list_filters_have_explicit_titles(manager_client, make_incident, manager):
    make_incident(actor=manager)
    make_incident("responding", actor=manager)  # an owner, so the owner filter has choices

    response = manager_client.get(CHANGELIST)

    html = response.content.decode()
    assert response.status_code == 200
    for title in ("status", "severity", "category", "channel", "owner", "response deadline",
                  "confidentiality"):  # fmt: skip
        assert f'data-filter-title="{title}"' in html, title
    assert 'data-filter-title="is confidential"' not in html


def test_list_speaks_french(manager_client, make_incident, manager):
    make_incident("assessed", actor=manager)

    response = manager_client.get(CHANGELIST, headers={"Accept-Language": "fr"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-filter-title="gravité"' in html
    assert 'data-filter-title="confidentialité"' in html
    assert "Dans les délais" in html
    assert "Exporter les incidents sélectionnés en CSV" in html
