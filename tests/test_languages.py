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
