"""French and English: the language of a response, and the admin's switch."""

import pytest
from django.urls import reverse

INCIDENTS = "/api/v1/incidents/"


@pytest.mark.parametrize(
    ("accept_language", "language"),
    [(None, "en"), ("fr", "fr"), ("fr-CA,fr;q=0.9,en;q=0.5", "fr"), ("de", "en")],
)
def test_api_answers_in_the_language_asked_for(accept_language, language, client, db):
    headers = {"Accept-Language": accept_language} if accept_language else {}

    response = client.get(INCIDENTS, headers=headers)

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["Content-Language"] == language
    assert "Accept-Language" in response["Vary"]
    # Machine values do not change with the language.
    assert response.json()["type"].startswith("urn:crisis-api:problem:")
    assert response.json()["status"] == 401


def test_default_language_is_the_setting(client, db, settings):
    settings.LANGUAGE_CODE = "fr"

    response = client.get(INCIDENTS)

    assert response.status_code == 401
    assert response["Content-Language"] == "fr"


@pytest.fixture
def manager_client(client, manager, plain_static_files):
    client.force_login(manager)
    return client


def test_admin_switch_sets_the_language_and_returns_to_the_page(manager_client):
    index = reverse("admin:index")

    response = manager_client.post(reverse("set_language"), {"language": "fr", "next": index})

    assert response.status_code == 302
    assert response["Location"] == index
    assert response.cookies["django_language"].value == "fr"
    page = manager_client.get(index)
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Content-Language"] == "fr"
    assert '<html lang="fr"' in html
    assert "Espace des managers" in html  # ours
    assert "Déconnexion" in html  # Django's own
    assert '<option value="fr" lang="fr" selected>Français</option>' in html


def test_admin_switch_refuses_an_unknown_language(manager_client):
    response = manager_client.post(reverse("set_language"), {"language": "xx", "next": "/admin/"})

    assert response.status_code == 302
    assert "django_language" not in response.cookies
    assert manager_client.get(reverse("admin:index"))["Content-Language"] == "en"


def test_admin_shows_the_switch_in_english_by_default(manager_client):
    html = manager_client.get(reverse("admin:index")).content.decode()

    assert f'action="{reverse("set_language")}"' in html
    assert '<option value="en" lang="en" selected>English</option>' in html
    assert "Managers&#x27; workspace" in html


# --- The domain in French: problems, labels, the diagram -------------------------------------


def test_a_refused_transition_is_explained_in_french(make_incident, manager, client_for):
    incident = make_incident("detected", actor=manager)

    response = client_for(manager).post(
        reverse("incident-resolve", kwargs={"pk": incident.pk}),
        {"resolution_summary": "x"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 409
    body = response.json()
    assert body["title"] == "Conflit"
    assert body["type"] == "urn:crisis-api:problem:transition-not-allowed"  # machine value
    assert body["current_status"] == "detected"
    assert body["detail"].startswith("La transition 'resolve' n")


def test_a_stale_if_match_is_explained_in_french(make_incident, manager, client_for):
    incident = make_incident("detected", actor=manager)

    response = client_for(manager).patch(
        reverse("incident-detail", kwargs={"pk": incident.pk}),
        {"title": "Nouveau"},
        format="json",
        HTTP_IF_MATCH='"9"',
        HTTP_ACCEPT_LANGUAGE="fr",
    )

    assert response.status_code == 412
    assert "version actuelle 1" in response.json()["detail"]


def test_the_diagram_speaks_french_and_keeps_machine_values():
    from django.utils import translation

    from crisis_api.lifecycle.diagram import state_diagram_svg
    from incidents.state import incident_machine

    with translation.override("fr"):
        svg = state_diagram_svg(incident_machine)

    assert 'data-state="detected"' in svg and ">Détecté<" in svg
    assert ">Detected<" not in svg


def test_the_incident_page_speaks_french(manager_client, make_incident, manager):
    incident = make_incident("assessed", actor=manager)
    manager_client.cookies["django_language"] = "fr"

    page = manager_client.get(reverse("admin:incidents_incident_change", args=[incident.pk]))

    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-status="assessed"' in html and ">Évalué<" in html
    assert "Gravité" in html
