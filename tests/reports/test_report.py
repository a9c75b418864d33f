"""`GET /api/v1/incidents/{id}/report/`: the sections, the escaping, the language, who may read
it, and a fixed number of queries."""

import re
import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from incidents import services
from incidents.actions import services as action_services
from incidents.communications import services as comms
from incidents.monitoring.services import signals_ingest
from incidents.reports import selectors
from tests.reviews.conftest import T0, action, communication

markdown_it = pytest.importorskip("markdown_it")
PARSER = markdown_it.MarkdownIt("commonmark").enable("table")
SECTIONS = [
    "Summary", "Assessment", "Signals from monitoring", "Timeline", "Communications published",
    "Actions and compensations", "Resolution", "Post-incident review",
]  # fmt: skip


def url(incident, **params):
    path = reverse("incident-report", kwargs={"id": incident.pk})
    return path + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def report(client, incident, **headers) -> str:
    response = client.get(url(incident), **headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    return response.content.decode()


def headings(text: str, level: int) -> list[str]:
    prefix = "#" * level + " "
    return [line[len(prefix) :] for line in text.splitlines() if line.startswith(prefix)]


def test_the_whole_story_in_its_sections(crisis, client_for, viewer, manager):
    incident = crisis()
    text = report(client_for(viewer), incident)

    assert text.startswith(
        f"# Crisis report {incident.reference}: Viral video of a rude delivery driver\n"
    )
    assert headings(text, 2) == SECTIONS
    for row in [
        f"| Reference | {incident.reference} |",
        "| Status | Reviewed |",
        "| Severity | High |",
        "| Owner | rita |",
        "| Detected | Nov. 25, 2026, 8 a.m. |",
        "| Response due | Nov. 25, 2026, 12:20 p.m. (met) |",
        "| Resolution due | Nov. 28, 2026, 8:20 a.m. (missed) |",
        "| First public response | Nov. 25, 2026, 9:30 a.m. |",
        "| Reviewed | Nov. 28, 2026, 6 p.m. |",
    ]:
        assert row in text
    # Signals, timeline with its actors in order, communications, actions, review and metrics.
    assert "- **Signals:** 3\n- **Distinct authors:** 3\n- **Total reach:** 600" in text
    assert "| 1 | Nov. 25, 2026, 8 a.m. | rita | Created |" in text
    assert "| 3 | Nov. 25, 2026, 8:20 a.m. | rita | Assess (Detected → Assessed) · changed:" in text
    reviewed = f"| 6 | Nov. 28, 2026, 6 p.m. | {manager.username} | Review (Resolved → Reviewed)"
    assert reviewed in text
    assert headings(text, 3).count("1. X · The public · English") == 1
    assert "- **Withdrawn:** Nov. 25, 2026, 11:30 a.m.: —" in text
    assert "> We are sorry; we are looking into it." in text
    assert "| Compensation | A compensation | Done | — | — | 150.50 EUR |" in text
    assert "- 200.00 EUR\n- 10.10 USD" in text
    assert "**Resolved**\n\nApology and refund." in text
    lessons = "Présenter des excuses d'abord, puis expliquer les mesures."
    assert f"### Lessons learned\n\n{lessons}" in text
    for row in [
        "| Time to assessment | 20 minutes |",
        "| Time to first public response | 1 hour, 30 minutes |",
        "| Time to resolution | 3 days, 8 hours |",
        "| Response deadline | Met |",
        "| Resolution deadline | Missed |",
        "| Compensations | 200.00 EUR, 10.10 USD |",
    ]:
        assert row in text


def test_an_incident_just_detected_says_what_is_missing(make_incident, client_for, viewer):
    text = report(client_for(viewer), make_incident())

    assert headings(text, 2) == SECTIONS
    for sentence in [
        "The incident was never assessed.", "No signals were received.", "None was published.",
        "No actions were recorded.", "Not resolved yet.", "Not reviewed yet.",
    ]:  # fmt: skip
        assert sentence in text


def test_user_text_cannot_break_the_document(clock, make_incident, make_user, client_for, manager):
    nasty = "# Hack | *b* _i_ `c` <script>alert(1)</script> &amp; [x](http://evil)"
    incident = make_incident(
        "responding", actor=manager, title=nasty,
        summary="- item\n1. first\n# heading\n===\n    code\n> quote\n<img src=x onerror=y>",
    )  # fmt: skip
    services.incident_add_note(incident_id=incident.pk, actor=manager, note="a | b\nc\n| d |")
    signals_ingest(
        actor=make_user("monitor"),
        signals=[{"platform": "x", "content": "c", "observed_at": T0, "incident": incident,
                  "author": "@x|*y*"}],
    )  # fmt: skip
    communication(incident, manager, published_at=T0, body="## Not a heading\n\n- not a list")
    action(incident, manager, title="Fix | *now*\nplease", status="open")

    text = report(client_for(manager), incident)
    rendered = PARSER.render(text)

    assert headings(text, 1) == [
        f"Crisis report {incident.reference}: \\# Hack \\| \\*b\\* \\_i\\_ \\`c\\` "
        "\\<script\\>alert(1)\\</script\\> \\&amp; \\[x\\](http://evil)"
    ]
    assert headings(text, 2) == SECTIONS  # nothing added, nothing lost
    assert rendered.count("<h1>") == 1 and rendered.count("<h2>") == len(SECTIONS)
    assert "<script" not in rendered and "<img" not in rendered and "<a " not in rendered
    assert "<em>b</em>" not in rendered and "<em>i</em>" not in rendered
    assert "<code>" not in rendered
    summary = rendered.split("<h2>Summary</h2>")[1].split("<h2>")[0]
    assert summary.count("<p>") == 1  # "- item", "1. first", "===", "> quote": its text
    assert not [tag for tag in ("<ul>", "<ol>", "<h", "<blockquote>", "<pre>") if tag in summary]
    assert "\\- item\\\n1\\. first\\\n\\# heading\\\n\\===\\\ncode\\\n\\> quote" in text
    assert "| a \\| b c \\| d \\| |" in text  # the note, in its cell
    assert "1. @x\\|\\*y\\*: 1 signal, reach 0" in text
    assert "> \\#\\# Not a heading\n>\n> \\- not a list" in text
    assert "| Fix | Fix \\| \\*now\\* please | Open |" in text
    for table in rendered.split("<table>")[1:]:  # every row keeps its columns
        head = table.split("</thead>")[0].count("<th>")
        body = table.split("</table>")[0].split("<tbody>")[1]
        assert all(row.count("<td>") == head for row in body.split("</tr>")[:-1])


def test_in_the_language_of_the_caller(crisis, client_for, viewer):
    text = report(client_for(viewer), crisis(), HTTP_ACCEPT_LANGUAGE="fr")

    assert text.startswith("# Rapport de crise ")
    assert headings(text, 2)[:2] == ["Résumé", "Évaluation"]
    assert "| Statut | Revu |" in text
    assert "| Échéance de réponse | Tenu |" in text
    assert "| Délai d'évaluation | 20 minutes |" in text


@pytest.fixture
def sub_records(make_incident, manager):
    """An incident with a communication drafted, approved, published and withdrawn, and an
    action created, through their services (their events go on the incident's stream)."""
    incident = make_incident("responding", actor=manager)
    draft = comms.communication_draft(
        incident_id=incident.pk, actor=manager, channel="x", audience="public",
        language="en", body="We are sorry. More news here tomorrow at 9.",
    )  # fmt: skip
    comms.communication_approve(communication_id=draft.pk, actor=manager)
    comms.communication_publish(communication_id=draft.pk, actor=manager)
    comms.communication_withdraw(communication_id=draft.pk, actor=manager, reason="Typo")
    action_services.action_create(
        incident_id=incident.pk, actor=manager, kind="fix", title="Fix it", due_at=T0
    )
    return incident


def timeline_changes(text: str, changed: str) -> dict[str, set[str]]:
    """What each timeline row did -> the set of fields it names as changed (PostgreSQL's
    jsonb keeps `changes` in its own key order)."""
    rows = {}
    for line in text.splitlines():
        cells = line.split(" | ")
        if len(cells) == 5 and f" · {changed} " in cells[3]:
            what, fields = cells[3].split(f" · {changed} ")
            rows[what] = set(fields.split(", "))
    return rows


def test_the_timeline_names_the_fields_of_communications_and_actions(
    sub_records, client_for, manager
):
    text = report(client_for(manager), sub_records)

    rows = timeline_changes(text, "changed:")
    assert rows["Communication drafted"] == {"channel", "audience", "language"}
    assert rows["Communication: Approve"] == {"approved by", "approved at"}
    assert rows["Communication: Withdraw"] == {"reason for withdrawal", "withdrawn at"}
    assert rows["Action created"] == {"kind", "title", "due at"}
    assert "\\_" not in text


def test_the_timeline_of_communications_and_actions_in_french(sub_records, client_for, manager):
    text = report(client_for(manager), sub_records, HTTP_ACCEPT_LANGUAGE="fr")

    rows = timeline_changes(text, "modifié :")
    assert rows["Communication rédigée"] == {"canal", "public visé", "langue"}
    assert rows["Communication : Approuver"] == {"approuvée par", "approuvée le"}
    assert rows["Action créée"] == {"type", "titre", "échéance"}
    assert re.search(r"^- \*\*Retirée :\*\* \d+ \w+ 2026 \d\d:\d\d : Typo$", text, re.M)


def test_inline_or_attachment(crisis, client_for, viewer):
    incident = crisis()
    client = client_for(viewer)

    assert client.get(url(incident))["Content-Disposition"] == (
        f'inline; filename="{incident.reference}.md"'
    )
    for value in ("true", "1", "True"):
        response = client.get(url(incident, download=value))
        assert response["Content-Disposition"] == f'attachment; filename="{incident.reference}.md"'
    assert client.get(url(incident, download="0"))["Content-Disposition"].startswith("inline;")


def test_a_download_value_that_is_not_a_boolean_is_a_400(make_incident, client_for, viewer):
    response = client_for(viewer).get(url(make_incident(), download="yes please"))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "urn:crisis-api:problem:invalid", "title": "Bad Request", "status": 400,
        "detail": "The request is invalid; see `errors` for what to fix in each field.",
        "errors": {"download": ["Use true or false."]},
    }  # fmt: skip


def test_options_describes_the_endpoint_in_json(make_incident, client_for, viewer):
    response = client_for(viewer).options(url(make_incident()))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json()["renders"] == ["text/markdown"]


def test_asking_for_json_is_a_406_in_problem_json(make_incident, client_for, viewer):
    response = client_for(viewer).get(url(make_incident()), HTTP_ACCEPT="application/json")

    assert response.status_code == 406
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Not Acceptable"


# --- Who may read it -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [("viewer", 200), ("responder", 200), ("manager", 200), ("monitor", 403), (None, 403)],
)
def test_who_may_read_it(role, status, make_incident, make_user, client_for):
    response = client_for(make_user(role)).get(url(make_incident()))

    assert response.status_code == status
    if status == 403:
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["status"] == 403


def test_anonymous_callers_are_refused(make_incident, client):
    response = client.get(url(make_incident()))

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_confidential_incident_is_a_404_to_outsiders(make_incident, make_user, client_for):
    insider = make_user("viewer")
    incident = make_incident(is_confidential=True, participants=[insider])

    response = client_for(make_user("responder")).get(url(incident))

    assert response.status_code == 404
    assert response.json() == {
        "type": "urn:crisis-api:problem:not-found", "title": "Not Found", "status": 404,
        "detail": response.json()["detail"],
    }  # fmt: skip
    assert report(client_for(insider), incident).startswith("# Crisis report")


def test_an_unknown_incident_is_a_404(client_for, viewer):
    response = client_for(viewer).get(f"/api/v1/incidents/{uuid.uuid4()}/report/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_the_original_of_a_confidential_duplicate_stays_hidden(make_incident, client_for, viewer):
    original = make_incident(is_confidential=True, title="Original")
    duplicate = make_incident(title="Copy")
    services.incident_dismiss(
        incident_id=duplicate.pk, actor=original.created_by, reason="Same.",
        duplicate_of=original,
    )  # fmt: skip

    assert original.reference not in report(client_for(viewer), duplicate)
    assert f"A duplicate of {original.reference}." in report(
        client_for(original.created_by), duplicate
    )


# --- Queries and caps --------------------------------------------------------------------------


def test_a_fixed_number_of_queries_whatever_the_sizes(
    crisis, make_incident, make_user, client_for, viewer, django_assert_num_queries
):
    big = crisis()
    for i in range(30):
        services.incident_add_note(incident_id=big.pk, actor=big.created_by, note=f"Note {i}")
        communication(big, big.created_by, published_at=T0 + timedelta(minutes=i))
        action(big, big.created_by, title=f"Action {i}")
    small = make_incident()
    client = client_for(viewer)
    with django_assert_num_queries(11):  # token, permissions, incident, 4 signals, 4 lists
        report(client, small)
    with django_assert_num_queries(11):
        report(client, big)


def test_long_lists_are_capped_and_say_so(crisis, client_for, viewer, monkeypatch):
    monkeypatch.setattr(selectors, "TIMELINE_CAP", 3)
    monkeypatch.setattr(selectors, "COMMUNICATIONS_CAP", 1)
    monkeypatch.setattr(selectors, "ACTIONS_CAP", 2)

    text = report(client_for(viewer), crisis())

    assert (
        "*Only the first 3 of the 7 events are shown here; the timeline of the API has them all.*"
    ) in text
    assert "| 4 |" not in text
    assert "*Only the first 1 of the 2 communications published are shown.*" in text
    assert "*Only the first 2 of the 8 actions are shown.*" in text
