"""The audit endpoints: checkpoints and verification, for managers only; hostile input."""

import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from crisis_api.events.checkpoints import checkpoint_create
from crisis_api.models import AuditCheckpoint
from tests.crisis_api.test_audit_checkpoints import cut_last_event, rewrite_chain
from tests.incidents.test_api_permissions import assert_problem

LIST = reverse("auditcheckpoint-list")
VERIFY = reverse("audit-verify")


@pytest.fixture(autouse=True)
def checkpoint_key(settings):
    settings.AUDIT_CHECKPOINT_KEY = "test-checkpoint-key"


def detail(pk) -> str:
    return reverse("auditcheckpoint-detail", kwargs={"pk": pk})


@pytest.mark.parametrize("role", ["monitor", "viewer", "responder", None])
def test_only_managers_may_use_the_audit_endpoints(role, make_user, client_for, make_incident):
    make_incident()
    checkpoint = checkpoint_create()
    client = client_for(make_user(role))

    for response in (
        client.get(LIST),
        client.get(detail(checkpoint.pk)),
        client.post(VERIFY, checkpoint.document, format="json"),
    ):
        problem = assert_problem(response, 403)
        if role != "monitor":
            assert "crisis_api.view_auditcheckpoint" in problem["detail"]


def test_anonymous_gets_401(db):
    client = APIClient()

    assert_problem(client.get(LIST), 401)
    assert_problem(client.get(detail(1)), 401)
    assert_problem(client.post(VERIFY, {}, format="json"), 401)


def test_manager_lists_checkpoints_newest_first(manager, client_for, make_incident):
    make_incident()
    first = checkpoint_create()
    second = checkpoint_create()

    response = client_for(manager).get(LIST)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [c["id"] for c in results] == [second.pk, first.pk]
    assert results[1] == {
        "id": first.pk,
        "created_at": first.document["created_at"],
        "streams": first.streams,
        "events": first.events,
        "signature": first.document["signature"],
        "document_url": f"http://testserver{detail(first.pk)}",
    }


@pytest.mark.parametrize("count", [1, 25])
def test_list_costs_a_fixed_number_of_queries(
    count, manager, client_for, make_incident, django_assert_num_queries
):
    make_incident()
    for _ in range(count):
        checkpoint_create()
    client = client_for(manager)

    with django_assert_num_queries(3):  # the token, the permissions, the page
        response = client.get(LIST)

    assert len(response.json()["results"]) == count


def test_download_is_the_signed_document(manager, client_for, make_incident):
    make_incident()
    checkpoint = checkpoint_create()

    response = client_for(manager).get(detail(checkpoint.pk))

    assert response.status_code == 200
    assert response.json() == checkpoint.document
    assert response["Content-Disposition"] == (
        f'attachment; filename="audit-checkpoint-{checkpoint.pk}.json"'
    )


@pytest.mark.parametrize("pk", ["999", "9" * 40, "abc", "\uff11\uff12", "-1", "0x1"])
def test_unknown_checkpoint_is_404(pk, manager, client_for):
    assert_problem(client_for(manager).get(detail(pk)), 404)


def test_verify_an_intact_log(manager, client_for, make_incident):
    make_incident("resolved")
    document = checkpoint_create().document

    response = client_for(manager).post(VERIFY, document, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is True
    assert body["signature_valid"] is True
    assert body["problems"] == []
    assert body["checkpoint_created_at"] == document["created_at"]
    assert body["events_checked"] >= 4


def test_verify_names_rewritten_and_cut_short_streams(manager, client_for, make_incident):
    rewritten, cut = make_incident("resolved"), make_incident("resolved")
    document = checkpoint_create().document
    rewrite_chain(rewritten.stream, 2, "nothing happened")
    cut_last_event(cut.stream)

    response = client_for(manager).post(VERIFY, document, format="json")

    body = response.json()
    assert body["valid"] is False
    assert sorted((p["stream"], p["problem"]) for p in body["problems"]) == sorted(
        [(rewritten.stream, "rewritten"), (cut.stream, "cut_short")]
    )


def test_verify_refuses_a_forged_signature(manager, client_for, make_incident):
    make_incident()
    document = dict(checkpoint_create().document, signature="b" * 64)

    body = client_for(manager).post(VERIFY, document, format="json").json()

    assert body == {
        "valid": False,
        "signature_valid": False,
        "checkpoint_created_at": None,
        "streams_checked": 0,
        "events_checked": 0,
        "problems": [],
    }


def test_verify_without_a_key_is_503(manager, client_for, make_incident, settings):
    make_incident()
    document = checkpoint_create().document
    settings.AUDIT_CHECKPOINT_KEY = ""

    problem = assert_problem(client_for(manager).post(VERIFY, document, format="json"), 503)

    assert "AUDIT_CHECKPOINT_KEY" in problem["detail"]


HEAD = {"sequence": 1, "hash": "a" * 64}
VALID = {
    "format": "crisis-api-audit-checkpoint/1",
    "created_at": "2026-11-25T23:00:00.000000Z",
    "events": 1,
    "streams": {"system": HEAD},
    "signature": "c" * 64,
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"format": "v2"}, "format"),
        ({"events": 2**64}, "events"),
        ({"events": True}, "events"),
        ({"events": "1"}, "events"),
        ({"created_at": "x" * 10_000}, "created_at"),
        ({"created_at": None}, "created_at"),
        ({"signature": "Z" * 64}, "signature"),
        ({"signature": 5}, "signature"),
        ({"streams": []}, "streams"),
        ({"streams": {"system": {"sequence": 0, "hash": "a" * 64}}}, "streams"),
        ({"streams": {"system": {"sequence": 2**70, "hash": "a" * 64}}}, "streams"),
        ({"streams": {"system": {"sequence": 1.5, "hash": "a" * 64}}}, "streams"),
        ({"streams": {"system": {"sequence": 1, "hash": "a" * 64, "x": 1}}}, "streams"),
        ({"streams": {"sys\x00tem": HEAD}}, "streams"),
        ({"streams": {"s" * 200: HEAD}}, "streams"),
        ({"streams": {"system": [1, "a"]}}, "streams"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_hostile_checkpoints_get_400_field_by_field(change, field, manager, client_for):
    problem = assert_problem(
        client_for(manager).post(VERIFY, {**VALID, **change}, format="json"), 400
    )

    assert list(problem["errors"]) == [field]


@pytest.mark.parametrize(
    "body", ['"a string"', "[]", "null", "1e400", "[" * 5000 + "]" * 5000, "{"]
)
def test_bodies_that_are_not_checkpoints_get_400(body, manager, client_for):
    response = client_for(manager).post(VERIFY, body, content_type="application/json")

    assert_problem(response, 400)


def test_missing_fields_are_named(manager, client_for):
    problem = assert_problem(client_for(manager).post(VERIFY, {}, format="json"), 400)

    assert set(problem["errors"]) == {"format", "created_at", "events", "streams", "signature"}


def test_a_large_checkpoint_is_accepted(manager, client_for, settings):
    settings.MAX_REQUEST_BODY_BYTES = 1024
    streams = {f"incident:{i}": HEAD for i in range(200)}
    body = json.dumps({**VALID, "streams": streams})

    response = client_for(manager).post(VERIFY, body, content_type="application/json")

    assert response.status_code == 200  # signature invalid, but read
    assert response.json()["signature_valid"] is False
    assert not AuditCheckpoint.objects.exists()


@pytest.mark.parametrize("incidents", [1, 6])
def test_verify_costs_a_fixed_number_of_queries(
    incidents, manager, client_for, make_incident, django_assert_num_queries
):
    for _ in range(incidents):
        make_incident("resolved")
    document = checkpoint_create().document
    client = client_for(manager)

    # The token, the permissions, the heads, the events, the incidents.
    with django_assert_num_queries(5):
        response = client.post(VERIFY, document, format="json")

    assert response.json()["valid"] is True


ADMIN_LIST = reverse("admin:crisis_api_auditcheckpoint_changelist")


def test_managers_browse_checkpoints_in_the_admin(
    manager, admin_client_for, make_incident, django_assert_max_num_queries
):
    make_incident()
    checkpoints = [checkpoint_create() for _ in range(3)]
    client = admin_client_for(manager)

    response = client.get(ADMIN_LIST)

    assert response.status_code == 200
    html = response.content.decode()
    for checkpoint in checkpoints:
        assert checkpoint.document["signature"] in html
        assert f'href="{detail(checkpoint.pk)}?format=json"' in html
    change = client.get(
        reverse("admin:crisis_api_auditcheckpoint_change", args=[checkpoints[0].pk])
    )
    assert change.status_code == 200
    assert checkpoints[0].document["signature"] in change.content.decode()
    assert client.get(reverse("admin:crisis_api_auditcheckpoint_add")).status_code == 403


@pytest.mark.parametrize("role", ["viewer", "responder"])
def test_other_roles_do_not_see_checkpoints_in_the_admin(role, make_user, admin_client_for):
    user = make_user(role)
    user.is_staff = True
    user.save()

    response = admin_client_for(user).get(ADMIN_LIST)

    assert response.status_code == 302  # the admin is the managers' workspace
    assert response["Location"].startswith("/admin/login/")


def test_the_admin_download_link_works_with_the_session(manager, admin_client_for, make_incident):
    make_incident()
    checkpoint = checkpoint_create()

    response = admin_client_for(manager).get(f"{detail(checkpoint.pk)}?format=json")

    assert response.status_code == 200
    assert response.json() == checkpoint.document
