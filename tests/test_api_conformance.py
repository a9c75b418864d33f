"""The API conforms to its published OpenAPI schema: property-based tests with Schemathesis.

Schemathesis reads the schema that drf-spectacular generates (the sizes of generated request
bodies capped, see REQUEST_SIZE_CAPS), and for every operation sends
requests it derives from it (valid ones and invalid ones) to the WSGI application, in-process,
as a manager with a bearer token. Every response must pass the checks: no server error, and a
status code, content type, headers and body that the schema documents for that operation.

The requests hit real incidents in every status: a generated `id` that fits the path is mostly
swapped for an existing incident's (for a transition, often one the transition can run from),
and sometimes kept, so unknown incidents are exercised too. Hypothesis runs all the examples of
one operation inside the test's database transaction, so they see each other's writes; a 409
or a 412 is a documented answer.
"""

import re
import zlib
from decimal import Decimal

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from crisis_api.auth.tokens import api_token_issue
from incidents.actions.models import Action
from incidents.actions.services import action_complete, action_create
from incidents.models import Incident
from incidents.state import incident_machine
from tests.conftest import runs_from

# The sizes generated for request bodies are capped: strings at 1,000 characters, lists at 20
# items. A batch of 500 signals or a summary of 10,000 characters costs seconds per example and
# finds nothing the small ones miss; the bounds themselves are tested exactly elsewhere
# (tests/incidents/test_input_bounds.py, tests/monitoring/test_ingestion.py). Only the request
# components (drf-spectacular names them *Request) are capped: responses are checked against
# the schema as served.
REQUEST_SIZE_CAPS = {"maxLength": 1000, "maxItems": 20}


def capped(node):
    """A copy of a request schema whose size bounds are at most REQUEST_SIZE_CAPS."""
    if isinstance(node, list):
        return [capped(item) for item in node]
    if not isinstance(node, dict):
        return node
    copy = {key: capped(value) for key, value in node.items()}
    for key, cap in REQUEST_SIZE_CAPS.items():
        if key in copy and isinstance(copy[key], int):
            copy[key] = min(copy[key], cap)
    return copy


def conformance_schema() -> dict:
    served = SchemaGenerator().get_schema(request=None, public=True)  # what /api/v1/schema/ serves
    components = served["components"]["schemas"]
    for name in [name for name in components if name.endswith("Request")]:
        components[name] = capped(components[name])
    return served


schema = schemathesis.openapi.from_dict(conformance_schema())
# config.wsgi refuses to start without production settings; the application is the same.
schema.app = get_wsgi_application()

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# What the incident URLs accept as an id (the viewset's lookup_value_regex).
ID_IN_PATH = re.compile(r"[0-9a-fA-F-]{36}")


@pytest.fixture
def wsgi_requests():
    """Requests through the WSGI handler keep the test's database connection and transaction.

    Django closes old connections when a request starts and finishes, which would end the
    transaction the test runs in (Django's test client disconnects the same receivers).
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api(settings, wsgi_requests, manager, make_user, make_incident):
    """The bearer token of a manager, with incidents in every status and some users."""
    settings.ALLOWED_HOSTS = ["localhost"]  # the Host Schemathesis' WSGI client sends
    settings.AUDIT_CHECKPOINT_KEY = (
        "conformance-checkpoint-key"  # /api/v1/audit/ answers 503 without
    )
    make_user("responder", username="alice")
    make_user("viewer", username="victor")
    for status in ("detected", "assessed", "responding", "resolved", "reviewed"):
        make_incident(status, actor=manager, title=f"Viral post, {status}")
    make_incident(actor=manager, dismissed=True, title="False alarm")
    leak = make_incident("assessed", actor=manager, title="Customer data leak",
                         is_confidential=True)  # fmt: skip
    action_create(incident_id=leak.pk, actor=manager, kind="compensation", title="Refund",
                  amount=Decimal("150.00"), currency="EUR")  # fmt: skip
    done = action_create(incident_id=leak.pk, actor=manager, kind="fix", title="Fix the page")
    action_complete(action_id=done.pk, actor=manager)
    _, secret = api_token_issue(user=manager)
    return {"token": secret, "manager": manager, "make_incident": make_incident}


def _aim_at_existing_action(case) -> None:
    """The same for an action's id (under /api/v1/actions/): mostly an existing action's."""
    generated = case.path_parameters.get("id")
    if not isinstance(generated, str) or not ID_IN_PATH.fullmatch(generated):
        return
    pick = zlib.crc32(generated.encode())
    if pick % 8:
        actions = list(Action.objects.order_by("title"))
        action = actions[pick % len(actions)]
        case.path_parameters["id"] = str(action.pk)
        if "If-Match" in case.headers and pick % 3 == 0:
            case.headers["If-Match"] = f'"{action.version}"'


def _aim_at_existing_incident(case, api) -> None:
    """Swap most well-formed generated ids for an existing incident's; keep malformed ones."""
    if case.path.startswith("/api/v1/actions/"):
        return _aim_at_existing_action(case)
    key = "incident_id" if "incident_id" in case.path_parameters else "id"
    generated = case.path_parameters.get(key)
    if not isinstance(generated, str) or not ID_IN_PATH.fullmatch(generated):
        return  # a malformed id: it must not route (404)
    pick = zlib.crc32(generated.encode())  # stable across runs, unlike hash()
    if pick % 8 == 0:
        return  # keep an id no incident has (404)
    incidents = list(Incident.objects.order_by("reference"))
    name = case.path.rstrip("/").rsplit("/", 1)[-1]
    if name in incident_machine.names and pick % 2:
        incidents = [
            incident for incident in incidents if incident_machine.can_run(incident, name)
        ] or [api["make_incident"](runs_from(name), actor=api["manager"])]
    incident = incidents[pick % len(incidents)]
    case.path_parameters[key] = str(incident.pk)
    if "If-Match" in case.headers and pick % 3 == 0:
        case.headers["If-Match"] = f'"{incident.version}"'  # the current ETag


@pytest.mark.django_db
@schema.parametrize()
@hypothesis.settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    # Hypothesis runs the examples in one function-scoped database transaction: on purpose.
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture],
)
def test_api_conforms_to_schema(case, api):
    # A 500's traceback is in the captured output: Django logs it to the console.
    _aim_at_existing_incident(case, api)
    case.call_and_validate(headers={"Authorization": f"Bearer {api['token']}"}, checks=CHECKS)
