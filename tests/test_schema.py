"""The OpenAPI document generates without warnings, validates, and documents the contract."""

import base64
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse
from openapi_spec_validator import validate


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    # --fail-on-warn turns any drf-spectacular warning into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def test_schema_validates(schema):
    validate(schema)


def test_every_transition_is_documented_with_its_errors(schema):
    for name in ("assess", "respond", "resolve", "dismiss", "reopen", "review"):
        operation = schema["paths"][f"/api/v1/incidents/{{id}}/{name}/"]["post"]
        # 422 and 429: Idempotency-Key and the rate limit, documented on every POST.
        assert set(operation["responses"]) == {
            "200", "400", "401", "403", "404", "409", "412", "422", "429",
        }  # fmt: skip
        for status in ("400", "401", "403", "404", "409", "412", "422", "429"):
            assert list(operation["responses"][status]["content"]) == ["application/problem+json"]
        assert any(p["name"] == "If-Match" for p in operation["parameters"])
        assert operation["requestBody"]["content"]["application/json"]["examples"]


def test_list_documents_filters_and_pagination(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/incidents/"]["get"]["parameters"]}
    assert {
        "status", "severity", "category", "channel", "owner", "confidential", "overdue",
        "created_after", "created_before", "updated_after", "updated_before", "q",
        "response_deadline", "resolution_deadline", "ordering", "cursor", "page_size",
    } <= parameters  # fmt: skip


def test_deadlines_are_described_exactly(schema):
    components = schema["components"]["schemas"]
    deadline = components["Deadline"]
    assert deadline["required"] == ["due_at", "state"]
    assert deadline["properties"]["due_at"] == {
        "type": "string", "format": "date-time", "nullable": True,
        "description": deadline["properties"]["due_at"]["description"],
    }  # fmt: skip
    assert deadline["properties"]["state"]["allOf"] == [
        {"$ref": "#/components/schemas/DeadlineStateEnum"}
    ]
    assert set(components["DeadlineStateEnum"]["enum"]) == {
        "pending", "on_track", "at_risk", "breached", "met", "missed",
    }  # fmt: skip
    incident = components["Incident"]
    for name in ("response_deadline", "resolution_deadline"):
        assert name in incident["required"]
        assert incident["properties"][name]["allOf"] == [{"$ref": "#/components/schemas/Deadline"}]
    assert incident["properties"]["resolution_due_at"]["nullable"] is True
    operation = schema["paths"]["/api/v1/incidents/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    for name in ("response_deadline", "resolution_deadline"):
        states = set(components["DeadlineStateEnum"]["enum"])
        assert set(parameters[name]["schema"]["items"]["enum"]) == states
        assert parameters[name]["explode"] is True
    assert {"next_due_at", "-next_due_at"} <= set(parameters["ordering"]["schema"]["enum"])


def test_the_incident_examples_show_the_deadlines(schema):
    read = schema["paths"]["/api/v1/incidents/{id}/"]["get"]["responses"]["200"]
    (example,) = read["content"]["application/json"]["examples"].values()
    assert example["value"]["response_deadline"] == {
        "due_at": "2026-11-25T11:00:00Z", "state": "at_risk",
    }  # fmt: skip
    listed = schema["paths"]["/api/v1/incidents/"]["get"]["responses"]["200"]
    (example,) = listed["content"]["application/json"]["examples"].values()
    assert example["value"]["results"][0]["resolution_deadline"]["state"] == "on_track"


def test_the_incident_example_has_every_field_of_an_incident():
    from incidents.api.serializers import IncidentSerializer
    from incidents.api.views import INCIDENT_EXAMPLE

    assert list(INCIDENT_EXAMPLE) == list(IncidentSerializer.Meta.fields)


def test_bearer_security_scheme(schema):
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


@pytest.mark.parametrize(
    ("query", "content_type"), [({}, "application/vnd.oai.openapi"), ({"format": "json"}, "json")]
)
def test_schema_endpoint(query, content_type, client, db):
    response = client.get(reverse("schema"), query)

    assert response.status_code == 200
    assert content_type in response["Content-Type"]


@pytest.fixture(scope="module")
def collected_static(tmp_path_factory, django_db_blocker):
    """Run collectstatic as a deployment would, into a scratch STATIC_ROOT."""
    from django.test import override_settings

    root = tmp_path_factory.mktemp("static")
    with override_settings(STATIC_ROOT=root):
        call_command("collectstatic", "--no-input", verbosity=0)
        yield root


@pytest.mark.parametrize("name", ["swagger-ui", "redoc"])
def test_docs_work_offline_with_debug_off(name, collected_static, db):
    """The pages link only to this host, and WhiteNoise serves every asset they link."""
    from django.test import Client

    client = Client()  # a new handler, so WhiteNoise indexes the collected files
    response = client.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    assert "http://" not in html
    assert "https://" not in html
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any("drf_spectacular_sidecar" in asset for asset in assets)
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        b"".join(served.streaming_content if served.streaming else [served.content])


def test_request_bodies_refuse_unknown_fields(schema):
    inputs = {n: c for n, c in schema["components"]["schemas"].items() if n.endswith("Request")}
    assert inputs
    assert all(c["additionalProperties"] is False for c in inputs.values())


def test_timeline_documents_its_pagination_and_incidents_their_etag(schema):
    timeline = schema["paths"]["/api/v1/incidents/{id}/timeline/"]["get"]
    assert {"cursor", "page_size"} <= {p["name"] for p in timeline["parameters"]}
    created = schema["paths"]["/api/v1/incidents/"]["post"]["responses"]["201"]
    assert set(created["headers"]) == {"ETag", "Location", "Idempotent-Replayed"}


def test_the_example_links_of_cursor_pages_hold_cursors_the_lists_take(schema):
    # DRF's own examples are its offset cursors, which the keyset pagination refuses.
    page = schema["components"]["schemas"]["PaginatedIncidentList"]["properties"]
    tokens = {
        link: json.loads(base64.b64decode(parse_qs(urlsplit(page[link]["example"]).query)[
            "cursor"][0], validate=True))
        for link in ("next", "previous")
    }  # fmt: skip

    assert tokens["next"] == {"p": ["2026-11-25T10:00:00+00:00", tokens["next"]["p"][1]]}
    assert tokens["previous"] == {**tokens["next"], "r": 1}
