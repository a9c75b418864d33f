"""Templates: placeholders (documented set, plain substitution) and /api/v1/templates/."""

import base64
import json

import pytest

from crisis_api.events.services import SYSTEM_STREAM
from crisis_api.models import Event
from incidents.communications.models import Template
from incidents.communications.placeholders import (
    PLACEHOLDERS,
    fill,
    placeholders_in,
    unknown_placeholders,
)
from tests.incidents.test_api_permissions import assert_problem

URL = "/api/v1/templates/"
DOCUMENTED = "{reference}, {title}, {owner}, {severity}, {detected_at}, {channel}"


def test_the_documented_placeholders():
    assert list(PLACEHOLDERS) == ["reference", "title", "owner", "severity", "detected_at",
                                  "channel"]  # fmt: skip


def test_fill_is_one_plain_pass():
    text = "{title} {0} {0.__class__} {{title}} {unknown} { title } {"
    values = {"title": "{owner} 100%", "owner": "alice"}
    assert fill(text, values) == "{owner} 100% {0} {0.__class__} {{owner} 100%} {unknown} " \
                                 "{ title } {"  # fmt: skip
    assert placeholders_in("{a}{b}{a}") == ["a", "b"]
    assert unknown_placeholders("{title} {customer} {title} {x_1}") == ["customer", "x_1"]


@pytest.fixture
def api(client_for, manager):
    return client_for(manager)


def test_managers_create_read_change_and_delete_templates_with_events(api, manager):
    body = "Nous suivons la situation « {title} » ({reference}) et revenons vers vous."
    response = api.post(URL, {"name": "Attente", "language": "fr", "body": body},
                        format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["channel"] is None and created["placeholders"] == ["title", "reference"]
    assert response["Location"].endswith(f"{URL}{created['id']}/")
    url = f"{URL}{created['id']}/"
    assert api.get(url).json() == created
    changed = api.patch(url, {"channel": "x", "name": "Attente X"}, format="json")
    assert changed.status_code == 200 and changed.json()["channel"] == "x"
    assert api.get(URL).json()["results"][0]["name"] == "Attente X"
    assert api.delete(url).status_code == 204
    assert not Template.objects.exists()
    assert_problem(api.get(url), 404)
    actions = list(
        Event.objects.filter(stream=SYSTEM_STREAM, action__startswith="template.")
        .order_by("sequence")
        .values_list("action", "actor__username", "data__template")
    )
    assert actions == [
        ("template.created", manager.username, created["id"]),
        ("template.updated", manager.username, created["id"]),
        ("template.deleted", manager.username, created["id"]),
    ]


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"body": "Bonjour {customer} et {title} {Prenom}."}, "body",
         f"Unknown placeholders: {{customer}}, {{Prenom}}. Use only: {DOCUMENTED}."),
        ({"body": "{" + "p" * 5000 + "}"}, "body",
         f"Unknown placeholders: {{{'p' * 40}…}}. Use only: {DOCUMENTED}."),
        ({"body": "".join(f"{{p{i}}}" for i in range(12))}, "body",
         "Unknown placeholders: " + ", ".join(f"{{p{i}}}" for i in range(10))
         + f", …. Use only: {DOCUMENTED}."),
        ({"body": ""}, "body", "This field may not be blank."),
        ({"body": "x" * 10_001}, "body", "Ensure this field has no more than 10000 characters."),
        ({"name": "a\nb"}, "name", "Remove the control characters (line breaks, tabs, NUL, "
                                   "direction overrides…); this is a single line."),
        ({"name": "n" * 121}, "name", "Ensure this field has no more than 120 characters."),
        ({"language": "it"}, "language", '"it" is not a valid choice.'),
        ({"channel": "fax"}, "channel", '"fax" is not a valid choice.'),
        ({"placeholders": []}, "placeholders", "Unknown field; see the schema for the accepted "
                                               "fields."),
        ({"name": "Existing"}, "name",
         "A template named Existing in 'fr' exists; pick another name."),
    ],
)  # fmt: skip
def test_invalid_templates_are_400(api, body, field, message):
    Template.objects.create(name="Existing", language="fr", body="Bonjour.")
    response = api.post(URL, {"name": "New", "language": "fr", "body": "Hi.", **body},
                        format="json")  # fmt: skip
    assert assert_problem(response, 400)["errors"] == {field: [message]}
    assert Template.objects.count() == 1


def test_a_patch_is_validated_the_same_way(api):
    template = Template.objects.create(name="T", language="fr", body="Bonjour.")
    response = api.patch(f"{URL}{template.pk}/", {"body": "{foo}"}, format="json")
    assert assert_problem(response, 400)["errors"]["body"] == [
        f"Unknown placeholders: {{foo}}. Use only: {DOCUMENTED}."
    ]


@pytest.mark.parametrize("count", [1, 25])
def test_the_list_takes_a_fixed_number_of_queries(api, django_assert_num_queries, count):
    Template.objects.bulk_create(
        Template(name=f"T{i:02d}", language="fr", body="Bonjour {title}.") for i in range(count)
    )
    with django_assert_num_queries(3):  # token, permissions, page
        response = api.get(URL)
    assert len(response.json()["results"]) == count


@pytest.mark.parametrize("position", ["\x00", "Holding\x00statement"])
def test_a_cursor_whose_position_holds_a_nul_is_a_400(api, position):
    # The list is ordered by name, so the cursor's position is text: PostgreSQL refuses a NUL
    # in it (a 500 before), like every text field the API takes.
    Template.objects.create(name="T", language="fr", body="Bonjour.")
    keyset = {"p": [position, "fr", "0b0e0c52-7c4c-4c55-9d1b-3a3c0f6a1e01"]}
    cursor = base64.b64encode(json.dumps(keyset).encode()).decode()

    response = api.get(URL, {"cursor": cursor})

    assert assert_problem(response, 400)["errors"] == {
        "cursor": ["Invalid cursor; follow the `next` or `previous` link of a page."]
    }


def test_pages_of_templates_with_long_names_walk_to_the_end_and_back(api):
    # The cursor holds (name, language, id); names of 120 characters outside the BMP still
    # make a cursor the list takes (it is UTF-8, not percent-escapes, inside the base64).
    long_name = "\U0001d538" * 119
    Template.objects.bulk_create(
        Template(name=long_name + suffix, language=language, body="Bonjour.")
        for suffix, language in (("b", "fr"), ("a", "fr"), ("b", "en"), ("a", "en"), ("c", "fr"))
    )
    seen, url, params = [], URL, {"page_size": 2}
    while url:
        body = api.get(url, params).json()
        seen.append([row["id"] for row in body["results"]])
        url, params, last = body["next"], None, body
    back = api.get(last["previous"]).json()

    rows = list(Template.objects.order_by("name", "language", "id").values_list("id", flat=True))
    assert [pk for page in seen for pk in page] == [str(pk) for pk in rows]
    assert [row["id"] for row in back["results"]] == seen[-2]
