"""The admin: the review's metrics on the incident page and the "Download report" button."""

import uuid

from django.urls import reverse


def change_url(incident):
    return reverse("admin:incidents_incident_change", args=[incident.pk])


def report_url(incident_id):
    return reverse("admin:incidents_incident_report", args=[incident_id])


def test_the_page_shows_the_metrics_and_the_button(crisis, manager, admin_client_for):
    incident = crisis()

    page = admin_client_for(manager).get(change_url(incident)).content.decode()

    assert '<table id="crisis-review-metrics">' in page
    assert '<tr><th scope="row">Time to assessment</th><td>20 minutes</td></tr>' in page
    assert '<tr><th scope="row">Resolution deadline</th><td>Missed</td></tr>' in page
    assert '<tr><th scope="row">Compensations</th><td>200.00 EUR, 10.10 USD</td></tr>' in page
    assert f'<a id="crisis-report" href="{report_url(incident.pk)}"' in page


def test_the_page_of_an_unreviewed_incident_has_the_button_only(
    make_incident, manager, admin_client_for
):
    incident = make_incident("responding", actor=manager)

    page = admin_client_for(manager).get(change_url(incident)).content.decode()

    assert "crisis-review-metrics" not in page
    assert f'href="{report_url(incident.pk)}"' in page


def test_the_button_downloads_what_the_api_serves(crisis, manager, admin_client_for, client_for):
    incident = crisis()

    response = admin_client_for(manager).get(report_url(incident.pk))
    api = client_for(manager).get(reverse("incident-report", kwargs={"id": incident.pk}))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{incident.reference}.md"'
    assert response.content == api.content


def test_the_download_speaks_the_admin_language(crisis, manager, admin_client_for, settings):
    incident = crisis()
    client = admin_client_for(manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    assert client.get(report_url(incident.pk)).content.decode().startswith("# Rapport de crise")


def test_an_unknown_incident_is_a_404(manager, admin_client_for):
    response = admin_client_for(manager).get(report_url(uuid.uuid4()))

    assert response.status_code == 404


def test_only_managers_download(make_incident, make_user, admin_client_for):
    incident = make_incident()
    responder = make_user("responder")
    responder.is_staff = True
    responder.save()

    response = admin_client_for(responder).get(report_url(incident.pk))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
