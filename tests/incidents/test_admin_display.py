"""How the incidents list shows badges, deadlines and filters, in English and French."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from crisis_api.admin_display import EMPTY, datetime_display
from incidents.admin import display
from incidents.deadlines.rules import RESOLUTION, RESPONSE

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
    assert display.deadline_badges(incident) == EMPTY
    assert display.deadline_with_due(RESPONSE, incident) == EMPTY


@pytest.mark.parametrize(
    ("language", "response", "resolution"),
    [("en", "Response · Breached", "Resolution · On track"),
     ("fr", "Réponse · Dépassé", "Résolution · Dans les temps")],
)  # fmt: skip
def test_deadline_badges_are_coloured_and_localised(
    language, response, resolution, make_incident, manager
):
    incident = make_incident("assessed", actor=manager)  # high: 4 hours, 3 days

    later = incident.response_due_at + timedelta(minutes=5)
    with time_machine.travel(later, tick=False), translation.override(language):
        shown = display.deadline_badges(incident)
        due = datetime_display(incident.response_due_at)

    assert f'data-value="breached" title="{_due(language)} {due}"' in shown
    assert "background:#b71c1c;color:#fff;padding:2px 8px;border-radius:10px;" in shown
    assert f">{response}</span>" in shown
    assert 'data-value="on_track"' in shown
    assert f">{resolution}</span>" in shown


def _due(language):
    return {"en": "due", "fr": "échéance"}[language]


def test_the_incident_page_writes_the_due_times_out(make_incident, manager):
    incident = make_incident("responding", actor=manager)  # responded at once: met

    shown = display.deadline_with_due(RESPONSE, incident)

    assert 'data-value="met"' in shown
    assert shown.endswith(f"due {datetime_display(incident.response_due_at)}")
    assert 'data-value="on_track"' in display.deadline_with_due(RESOLUTION, incident)


def test_list_filters_have_explicit_titles(manager_client, make_incident, manager):
    make_incident(actor=manager)
    make_incident("responding", actor=manager)  # an owner, so the owner filter has choices

    response = manager_client.get(CHANGELIST)

    html = response.content.decode()
    assert response.status_code == 200
    for title in ("status", "severity", "category", "channel", "owner", "response deadline",
                  "deadlines", "confidentiality"):  # fmt: skip
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
