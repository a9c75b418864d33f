"""The monitor role: it posts signals and revokes its own token, nothing else."""

import uuid

import pytest
from django.core.management import call_command
from drf_spectacular.generators import SchemaGenerator

from crisis_api.auth.roles import user_role
from crisis_api.models import ApiToken

FEED_ONLY = (
    "This account feeds monitoring signals only: it may post signals (POST /api/v1/signals/), "
    "list its own tokens and revoke one, nothing else. Use a person's account for anything else."
)
ALLOWED = {
    ("post", "/api/v1/signals/"),
    ("get", "/api/v1/tokens/"),
    ("post", "/api/v1/tokens/{id}/revoke/"),
}
OPERATIONS = [
    (method, path)
    for path, item in SchemaGenerator().get_schema(request=None, public=True)["paths"].items()
    for method in item
    if method in {"get", "post", "patch", "put", "delete"}
]


def test_the_schema_lists_the_endpoints_this_test_walks():
    assert ("get", "/api/v1/incidents/") in OPERATIONS
    assert set(OPERATIONS) >= ALLOWED


@pytest.mark.parametrize(("method", "path"), [op for op in OPERATIONS if op not in ALLOWED])
def test_every_other_endpoint_is_403_before_any_lookup(
    make_user, client_for, make_incident, method, path
):
    """Real and unknown ids answer the same, so a monitor learns nothing about which exist."""
    monitor = make_user("monitor")
    client = client_for(monitor)
    real = make_incident("detected")
    for record_id in (str(real.pk), str(uuid.uuid4())):
        url = path.replace("{id}", record_id).replace("{incident_id}", record_id)
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 403, (method, url, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["detail"] == FEED_ONLY


def test_a_monitor_finds_and_revokes_its_own_token_but_not_another(make_user, client_for, manager):
    monitor = make_user("monitor")
    client = client_for(monitor)
    own = ApiToken.objects.filter(user=monitor).get()
    listed = client.get("/api/v1/tokens/")
    assert listed.status_code == 200
    assert [token["id"] for token in listed.json()["results"]] == [own.pk]
    other = client_for(manager) and ApiToken.objects.filter(user=manager).get()
    response = client.post(f"/api/v1/tokens/{other.pk}/revoke/")
    assert response.status_code == 404
    response = client.post(f"/api/v1/tokens/{own.pk}/revoke/")
    assert response.status_code == 200 and response.json()["state"] == "revoked"


def test_the_admin_refuses_a_monitor(make_user, client):
    monitor = make_user("monitor")
    client.force_login(monitor)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_create_api_token_makes_a_monitor(db, capsys):
    call_command("create_api_token", "feed", "--role", "monitor")
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("crisis_")
    token = ApiToken.objects.get(user__username="feed")
    assert user_role(token.user) == "monitor"


def test_a_superuser_is_never_feed_only(django_user_model, client_for):
    admin = django_user_model.objects.create_superuser("root", password="x")
    response = client_for(admin).get("/api/v1/incidents/")
    assert response.status_code == 200
