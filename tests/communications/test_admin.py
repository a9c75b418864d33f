"""Communications and templates in the admin: the incident page's panel, the communication page,
its transitions through the services, drafting and templates."""

import pytest
from django.urls import reverse

from crisis_api.models import Event
from incidents.communications.models import Communication, Template
from tests.communications.conftest import CALM_FR
from tests.incidents.test_admin import change_url


def communication_page(communication) -> str:
    return reverse("admin:communications_communication_change", args=[communication.pk])


def transition_page(communication, name) -> str:
    return reverse("admin:communications_communication_transition", args=[communication.pk, name])


@pytest.fixture
def admin(admin_client_for, manager):
    return admin_client_for(manager)


def test_the_incident_page_lists_communications_with_warnings_and_transitions(
    admin, make_incident, make_communication
):
    incident = make_incident("assessed")
    angry = make_communication(incident=incident, body="C'EST VOTRE FAUTE !!")
    published = make_communication("published", incident=incident)
    page = admin.get(change_url(incident)).content.decode()
    panel = page.split('id="crisis-communications"')[1].split("</table>")[0]
    assert f'data-communication="{angry.pk}"' in panel
    assert '<li data-code="shouting">' in panel and "<q>C&#x27;EST VOTRE FAUTE</q>" in panel
    assert transition_page(angry, "approve") in panel
    assert transition_page(angry, "withdraw") in panel
    assert transition_page(angry, "publish") not in panel  # high: approval first
    assert transition_page(published, "withdraw") in panel
    assert 'data-status="published"' in panel
    assert f"{reverse('admin:communications_communication_add')}?incident={incident.pk}" in page


def test_the_communication_page_shows_its_text_warnings_buttons_and_events(
    admin, make_communication
):
    communication = make_communication(body="NON !!")
    page = admin.get(communication_page(communication)).content.decode()
    assert 'data-transition="approve"' in page and 'data-transition="withdraw"' in page
    assert '<ul class="crisis-tone">' in page and 'data-code="repeated_punctuation"' in page
    assert 'data-action="communication.drafted"' in page


def test_approving_in_the_admin_goes_through_the_service(admin, make_communication, manager):
    communication = make_communication(body="NON !!")
    form = admin.get(transition_page(communication, "approve"))
    assert 'id="transition-aside"' in form.content.decode()  # the text and its warnings
    response = admin.post(transition_page(communication, "approve"), {"version": 1})
    assert response.status_code == 302
    assert Communication.objects.get(pk=communication.pk).status == "approved"
    event = Event.objects.get(action="communication.approved")
    assert event.actor == manager and event.stream == communication.stream
    assert event.data["tone_warnings"][0]["code"] == "repeated_punctuation"


def test_publish_and_withdraw_forms(admin, make_communication):
    communication = make_communication("approved")
    admin.post(transition_page(communication, "publish"),
               {"version": 2, "url": "https://x.com/a/1"})  # fmt: skip
    assert Communication.objects.get(pk=communication.pk).url == "https://x.com/a/1"
    response = admin.post(transition_page(communication, "withdraw"), {"version": 3})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    admin.post(transition_page(communication, "withdraw"), {"version": 3, "reason": "Erreur."})
    assert Communication.objects.get(pk=communication.pk).status == "withdrawn"


def test_a_refused_publication_says_a_manager_must_approve(admin, make_communication):
    communication = make_communication()
    response = admin.get(transition_page(communication, "publish"), follow=True)
    assert "A manager must approve it first" in response.content.decode()


def test_drafting_and_editing_in_the_admin(admin, make_incident, manager):
    incident = make_incident("assessed")
    response = admin.post(
        reverse("admin:communications_communication_add"),
        {"incident": incident.pk, "channel": "x", "audience": "public", "language": "fr",
         "body": CALM_FR},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:3000]
    communication = Communication.objects.get()
    assert communication.created_by == manager
    response = admin.post(
        communication_page(communication),
        {"channel": "x", "audience": "press", "language": "fr", "body": "NON !!",
         "expected_version": 1},
    )  # fmt: skip
    assert response.status_code == 302
    communication.refresh_from_db()
    assert communication.audience == "press" and communication.version == 2
    assert communication.tone_warnings[0]["code"] == "repeated_punctuation"
    assert list(
        Event.objects.filter(stream=incident.stream, action__startswith="communication.")
        .values_list("action", flat=True)
    ) == ["communication.drafted", "communication.updated"]  # fmt: skip


def test_drafting_needs_a_body_or_a_template(admin, make_incident):
    incident = make_incident("assessed")
    response = admin.post(
        reverse("admin:communications_communication_add"),
        {"incident": incident.pk, "channel": "x", "audience": "public", "language": "fr"},
    )
    assert "Give either a body or a template, not both." in response.content.decode()
    assert not Communication.objects.exists()


def test_templates_refuse_unknown_placeholders_in_the_admin(admin, manager):
    response = admin.post(
        reverse("admin:communications_template_add"),
        {"name": "Attente", "language": "fr", "channel": "", "body": "Bonjour {client}."},
    )
    assert "Unknown placeholders: {client}." in response.content.decode()
    response = admin.post(
        reverse("admin:communications_template_add"),
        {"name": "Attente", "language": "fr", "channel": "", "body": "Sur {title}."},
    )
    assert response.status_code == 302
    assert Template.objects.get().body == "Sur {title}."
    assert Event.objects.filter(action="template.created", actor=manager).count() == 1


@pytest.mark.parametrize("language", ["en", "fr"])
def test_pages_render_in_both_languages(admin, make_communication, language):
    communication = make_communication(body="NON !!")
    admin.cookies["django_language"] = language
    for url in (communication_page(communication), change_url(communication.incident),
                reverse("admin:communications_template_changelist"),
                reverse("admin:communications_communication_changelist")):  # fmt: skip
        assert admin.get(url).status_code == 200
