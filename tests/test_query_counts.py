"""Every list endpoint reads a page in a fixed number of queries, whatever the page holds.

One table, CASES, names each GET of the schema that returns a list (a page or a list of rows),
how to fill it (the builder puts `rows` rows behind it, every relation filled: owners,
participants, reviews, actions, compensations, attempts...) and the number of queries a request
costs. Each case runs with 1 row and with more than a full page: the count is the same, so no
list grows a query per row (an N+1). The aggregates (metrics, summaries, the report, the
verification) are in the table too: their count does not grow with what they add up.

`test_every_get_of_the_schema_is_in_the_table` keeps the table complete: a new GET in the
schema fails it until it is given a case here, or is named among the single-record reads.

The counts are the same on SQLite and PostgreSQL. Each request is authenticated by a bearer
token already used once (see `client_for`), so no request writes `last_used_at`.
"""

import copy
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from crisis_api.auth.tokens import api_token_issue
from crisis_api.events.checkpoints import checkpoint_create
from crisis_api.webhooks import services as webhooks
from crisis_api.webhooks.models import Delivery
from incidents import services
from incidents.actions.models import Action
from incidents.actions.services import action_complete, action_create
from incidents.communications import services as communications
from incidents.models import Incident, IncidentReview
from incidents.monitoring.models import Signal, SignalCluster
from incidents.monitoring.services import signals_ingest
from tests.conftest import run_transition

# More than the default page (25; 20 for the review search): a full page and a `next` link.
MANY = 30
# Rows behind an aggregate (a summary, the metrics, the report): enough to show no growth.
AGGREGATED = 8
APOLOGY = "Nous sommes désolés pour la gêne occasionnée. Nous vous tiendrons informés ce soir."


@dataclass
class World:
    """Users and factories every builder shares."""

    manager: object
    owner: object
    participant: object
    make_incident: Callable
    make_user: Callable

    def full_incident(self, title: str = "Refund backlash", **fields):
        """An incident with every relation the list shows: owner, participants, a review, a
        fix done and a compensation."""
        fields.setdefault("owner", self.owner)
        fields.setdefault("participants", [self.participant, self.manager])
        incident = self.make_incident("resolved", actor=self.manager, title=title, **fields)
        self.add_actions(incident)
        return run_transition(incident, "review", self.manager)

    def add_actions(self, incident):
        done = action_create(incident_id=incident.pk, actor=self.manager, kind="fix",
                             title="Fix the page", owner=self.owner)  # fmt: skip
        action_complete(action_id=done.pk, actor=self.manager)
        action_create(incident_id=incident.pk, actor=self.manager, kind="compensation",
                      title="Refund", amount=Decimal("150.00"), currency="EUR",
                      owner=self.owner)  # fmt: skip

    def open_incident(self, **fields):
        return self.make_incident("responding", actor=self.manager, owner=self.owner,
                                  participants=[self.participant], **fields)  # fmt: skip


def with_query(path: str, **params) -> str:
    return f"{path}?{urlencode(params)}" if params else path


def copies(incident: Incident, count: int, **fields) -> list[Incident]:
    """`count` copies of `incident` with its participants, review and actions, written with
    the ORM in a few statements (the services take a dozen per incident: far too slow for
    pages of rows). The list reads them as it reads what the services wrote."""
    made = []
    for i in range(count):
        twin = Incident.objects.get(pk=incident.pk)
        twin.pk, twin.reference = uuid.uuid4(), f"{incident.reference}-{i}"
        for name, value in fields.items():
            setattr(twin, name, value(i) if callable(value) else value)
        made.append(twin)
    Incident.objects.bulk_create(made)
    through = Incident.participants.through
    users = list(incident.participants.values_list("pk", flat=True))
    through.objects.bulk_create(
        through(incident_id=twin.pk, user_id=user) for twin in made for user in users
    )
    review = IncidentReview.objects.filter(incident=incident).first()
    if review is not None:
        IncidentReview.objects.bulk_create(
            model_copy(review, id=None, incident=twin) for twin in made
        )
    actions = list(incident.actions.all())
    Action.objects.bulk_create(
        model_copy(action, id=uuid.uuid4(), incident=twin) for twin in made for action in actions
    )
    return made


def model_copy(instance, **fields):
    twin = copy.copy(instance)
    twin._state = copy.copy(instance._state)
    twin._state.adding = True
    for name, value in fields.items():
        setattr(twin, name, value)
    return twin


# --- builders: fill the list with `rows` rows, return the URL to read ---------------------------


def incidents(world: World, rows: int, **params) -> str:
    """Reviewed incidents with every relation; the copies alternate confidential ones (the
    participant sees them) and duplicates of the first."""
    first = world.full_incident(title="Refund backlash", is_confidential=True)
    copies(first, rows - 1, is_confidential=lambda i: bool(i % 2),
           duplicate_of=lambda i: first if i % 3 else None)  # fmt: skip
    return with_query("/api/v1/incidents/", **params)


def incidents_naming_originals(world: World, rows: int, **params) -> str:
    """The same, each row a duplicate: the first of a confidential original the caller (a
    participant of the rows, not of the original) may not see, the copies of it or of the
    first in turn."""
    original = world.make_incident("detected", actor=world.manager, title="Hidden original",
                                   is_confidential=True, participants=[])  # fmt: skip
    first = world.full_incident(title="Refund backlash", is_confidential=True)
    Incident.objects.filter(pk=first.pk).update(duplicate_of=original)
    copies(first, rows - 1, is_confidential=lambda i: bool(i % 2),
           duplicate_of=lambda i: first if i % 2 else original)  # fmt: skip
    return with_query("/api/v1/incidents/", **params)


def timeline(world: World, rows: int) -> str:
    incident = world.open_incident()  # created, assessed, respond: 3 events
    for i in range(rows - 3):
        services.incident_add_note(incident_id=incident.pk, actor=world.owner, note=f"Note {i}")
    path = f"/api/v1/incidents/{incident.pk}/timeline/"
    return path if rows >= 3 else with_query(path, page_size=rows)


def timeline_naming_an_incident(world: World, rows: int) -> str:
    """A page whose events name another incident (a duplicate): one query more, whatever the
    number of such events on the page (the caller's visibility of the incidents named)."""
    original = world.make_incident(actor=world.manager, is_confidential=True, title="Original")
    incident = world.make_incident(actor=world.manager, title="Duplicate")
    services.incident_dismiss(incident_id=incident.pk, actor=world.manager, reason="Same post.",
                              duplicate_of=original)  # fmt: skip
    for i in range(rows - 2):
        services.incident_add_note(incident_id=incident.pk, actor=world.owner, note=f"Note {i}")
    # Events: created, dismissed, notes. One row: the dismissal.
    path = f"/api/v1/incidents/{incident.pk}/timeline/"
    if rows > 1:
        return path
    return world.page_after(with_query(path, page_size=1))


def incident_actions(world: World, rows: int) -> str:
    incident = world.open_incident()
    for i in range(rows):
        if i % 2:
            action_create(incident_id=incident.pk, actor=world.manager, kind="compensation",
                          title=f"Refund {i}", amount=Decimal("20.00"), currency="EUR",
                          beneficiaries=3, owner=world.owner,
                          due_at=timezone.now() - timedelta(hours=1))  # fmt: skip
        else:
            done = action_create(incident_id=incident.pk, actor=world.manager, kind="fix",
                                 title=f"Fix {i}", owner=world.owner)  # fmt: skip
            action_complete(action_id=done.pk, actor=world.owner, note="Done.")
    return f"/api/v1/incidents/{incident.pk}/actions/"


def incident_communications(world: World, rows: int) -> str:
    """Drafts, approved and published ones, from a body or a template, some in reply to a
    signal."""
    incident = world.open_incident()
    signal = Signal.objects.create(
        incident=incident,
        platform="x",
        observed_at=timezone.now(),
        content="Where is my parcel?",
        received_from=world.manager,
    )
    template = communications.template_create(actor=world.manager, name="Holding", language="fr",
                                              body="Nous suivons {title}.")  # fmt: skip
    for i in range(rows):
        fields = {"template": template} if i % 2 else {"body": APOLOGY}
        draft = communications.communication_draft(
            incident_id=incident.pk, actor=world.owner, channel="x", audience="customers",
            language="fr", in_reply_to=signal if i % 3 == 0 else None, **fields,
        )  # fmt: skip
        if i % 3 != 2:
            communications.communication_approve(communication_id=draft.pk, actor=world.manager)
        if i % 3 == 0:
            communications.communication_publish(communication_id=draft.pk, actor=world.manager)
    return f"/api/v1/incidents/{incident.pk}/communications/"


def incident_signals(world: World, rows: int) -> str:
    incident = world.open_incident()
    cluster = SignalCluster.objects.create(fingerprint="f" * 64, normalised="late deliveries")
    now = timezone.now()
    Signal.objects.bulk_create(
        Signal(incident=incident, platform="x", observed_at=now - timedelta(minutes=i),
               content=f"Late again {i}", author=f"@a{i % 4}", language="en", sentiment=-0.5,
               reach=1000, engagement=10, url=f"https://x.example/{i}", external_id=str(i),
               cluster=cluster, received_from=world.manager)
        for i in range(rows)
    )  # fmt: skip
    return f"/api/v1/incidents/{incident.pk}/signals/"


def templates(world: World, rows: int) -> str:
    for i in range(rows):
        communications.template_create(actor=world.manager, name=f"Holding {i:02d}",
                                       language="fr" if i % 2 else "en", channel="x",
                                       body="We are looking into {title}.")  # fmt: skip
    return "/api/v1/templates/"


def reviews(world: World, rows: int, **params) -> str:
    first = world.full_incident(title="Refund backlash")
    copies(first, rows - 1, is_confidential=lambda i: bool(i % 2))
    return with_query("/api/v1/reviews/", **params)


def tokens(world: World, rows: int) -> str:
    # The caller's own token (client_for) is one row; the others belong to other users.
    for i in range(rows - 1):
        api_token_issue(user=world.make_user("viewer"), actor=world.manager, name=f"bot {i}")
    return "/api/v1/tokens/"


def webhooks_list(world: World, rows: int) -> str:
    for i in range(rows):
        webhooks.endpoint_create(actor=world.manager, url=f"http://127.0.0.1:9/{i}",
                                 event_types=["incident.*"], description=f"bot {i}")  # fmt: skip
    return "/api/v1/webhooks/"


def webhook_deliveries(world: World, rows: int) -> str:
    endpoint = webhooks.endpoint_create(actor=world.manager, url="http://127.0.0.1:9/",
                                        event_types=["incident.created"])  # fmt: skip
    for i in range(rows):
        world.make_incident(actor=world.manager, title=f"Post {i}")
    for delivery in Delivery.objects.filter(endpoint=endpoint):
        for status_code in (500, 503):
            delivery.attempt_set.create(at=delivery.created_at, status_code=status_code,
                                        duration_ms=3)  # fmt: skip
    return f"/api/v1/webhooks/{endpoint.pk}/deliveries/"


def audit_checkpoints(world: World, rows: int) -> str:
    world.make_incident(actor=world.manager)
    for _ in range(rows):
        checkpoint_create()
    return "/api/v1/audit/checkpoints/"


# --- aggregates: their count does not grow with what they add up --------------------------------


def metrics(world: World, rows: int) -> str:
    copies(world.full_incident(), rows - 1)
    return "/api/v1/metrics/"


def signals_summary(world: World, rows: int, path: str = "signals/summary") -> str:
    incident = world.open_incident(title="Late deliveries")
    now = timezone.now()
    signals_ingest(actor=world.manager, signals=[
        {"platform": ("x", "facebook", "news")[i % 3], "content": f"Late again, order {i % 7}",
         "observed_at": now - timedelta(minutes=i), "author": f"@a{i % 5}",
         "external_id": f"e{i}", "group_key": str(incident.pk), "reach": 100 * i,
         "engagement": i, "sentiment": -0.5, "language": "en"}
        for i in range(rows)
    ])  # fmt: skip
    return f"/api/v1/incidents/{incident.pk}/{path}/"


def assessment_suggestion(world: World, rows: int) -> str:
    return signals_summary(world, rows, path="assessment-suggestion")


def report(world: World, rows: int) -> str:
    incident = world.make_incident("responding", actor=world.manager, owner=world.owner,
                                   participants=[world.participant])  # fmt: skip
    for i in range(rows):
        services.incident_add_note(incident_id=incident.pk, actor=world.owner, note=f"Note {i}")
        world.add_actions(incident)
        draft = communications.communication_draft(
            incident_id=incident.pk, actor=world.owner, channel="x", audience="customers",
            language="fr", body=APOLOGY,
        )  # fmt: skip
        communications.communication_approve(communication_id=draft.pk, actor=world.manager)
    incident = run_transition(incident, "resolve", world.manager)
    run_transition(incident, "review", world.manager)
    return f"/api/v1/incidents/{incident.pk}/report/"


def timeline_verification(world: World, rows: int) -> str:
    incident = world.open_incident()
    for i in range(rows):
        services.incident_add_note(incident_id=incident.pk, actor=world.owner, note=f"Note {i}")
    return f"/api/v1/incidents/{incident.pk}/timeline/verify/"


@dataclass(frozen=True)
class Case:
    operation: str  # the operationId in the schema
    build: Callable[..., str]
    queries: int | dict[str, int]  # or one per database vendor
    why: str  # what the queries are, after the token and the caller's permissions
    role: str = "manager"
    page: int | None = 25  # rows a full page holds (None: not a page)
    params: tuple[tuple[str, str], ...] = ()
    many: int = MANY  # rows behind the second request

    @property
    def id(self) -> str:
        suffix = "&".join(f"{k}={v}" for k, v in self.params)
        return f"{self.operation}-{self.build.__name__}-{self.role}{'-' + suffix if suffix else ''}"


# Every request starts with the same two queries: the bearer token with its user, and the
# caller's permissions. `why` names the others.
CASES = [
    Case("incidents_list", incidents, 4, "the page (with participants), its action summaries"),
    Case(
        "incidents_list",
        incidents_naming_originals,
        5,
        "the same for a participant (confidential rows) + which of the originals its "
        "duplicates name the caller may see",
        role="participant",
    ),
    Case(
        "incidents_list",
        incidents,
        4,
        "the same filtered, searched and ordered",
        params=(("status", "reviewed"), ("ordering", "-next_due_at"), ("q", "back")),
    ),
    Case("incidents_timeline_retrieve", timeline, 4, "the incident, the page (with actors)"),
    Case(
        "incidents_timeline_retrieve",
        timeline_naming_an_incident,
        5,
        "+ which of the incidents the page names the caller may see",
    ),
    Case("incidents_actions_list", incident_actions, 4, "the incident, the page (with users)"),
    Case(
        "incidents_communications_list",
        incident_communications,
        4,
        "the incident, the page (with users)",
    ),
    Case("incidents_signals_list", incident_signals, 4, "the incident, the page", role="viewer"),
    Case("templates_list", templates, 3, "the page"),
    Case("reviews_search", reviews, 3, "the page (with incidents and reviewers)", page=20),
    Case(
        "reviews_search",
        reviews,
        3,
        "the page, ranked, with snippets",
        page=20,
        params=(("q", "backlash"),),
    ),
    Case("tokens_list", tokens, 3, "the page (with users)"),
    Case("webhooks_list", webhooks_list, 3, "the page"),
    Case(
        "webhooks_deliveries_list", webhook_deliveries, 5, "the endpoint, the page, their attempts"
    ),
    Case("audit_checkpoints_list", audit_checkpoints, 3, "the page"),
    # Aggregates: one query per figure, whatever they add up.
    Case(
        "metrics_retrieve",
        metrics,
        {"sqlite": 7, "postgresql": 6},
        "counts by status, times, weekly trend, signals, communications, compensations "
        "(PostgreSQL computes the percentiles in the query SQLite reads rows for)",
        page=None,
        many=AGGREGATED,
    ),
    Case(
        "incidents_signals_summary",
        signals_summary,
        7,
        "the incident, hourly tallies, clusters, author count, top authors",
        page=None,
        role="viewer",
        many=AGGREGATED,
    ),
    Case(
        "incidents_assessment_suggestion",
        assessment_suggestion,
        7,
        "the same tallies as the summary",
        page=None,
        many=AGGREGATED,
    ),
    Case(
        "incidents_report",
        report,
        11,
        "the incident, the signal tallies (4), events, communications, actions, compensations",
        page=None,
        many=AGGREGATED,
    ),
    Case(
        "incidents_timeline_verify_retrieve",
        timeline_verification,
        6,
        "the incident, the stream's head, its events, the incident's state",
        page=None,
        many=AGGREGATED,
    ),
]

# GETs that read one record (their own tests count their queries): not lists.
SINGLE_RECORDS = {
    "actions_retrieve",
    "audit_checkpoints_retrieve",
    "communications_retrieve",
    "incidents_retrieve",
    "templates_retrieve",
    "webhooks_retrieve",
}


@pytest.fixture
def world(settings, manager, make_user, make_incident, client_for):
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.AUDIT_CHECKPOINT_KEY = "query-count-checkpoint-key"
    built = World(manager=manager, owner=make_user("responder"),
                  participant=make_user("viewer"), make_incident=make_incident,
                  make_user=make_user)  # fmt: skip

    def page_after(url: str) -> str:
        response = client_for(manager).get(url)
        assert response.status_code == 200, response.json()
        return response.json()["next"]

    built.page_after = page_after
    return built


@pytest.mark.parametrize("size", ["one", "many"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_list_costs_the_same_queries_for_one_row_and_a_full_page(
    case, size, world, make_user, client_for
):
    rows = 1 if size == "one" else case.many
    url = case.build(world, rows, **dict(case.params))
    users = {"manager": world.manager, "participant": world.participant}
    client = client_for(users.get(case.role) or make_user(case.role))

    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    assert response.status_code == 200, response.content
    statements = [query["sql"][:160] for query in queries]
    expected = case.queries
    if isinstance(expected, dict):
        expected = expected[connection.vendor]
    assert len(statements) == expected, statements
    if case.page is not None:
        body = response.json()
        expected = min(rows, case.page)
        assert len(body["results"]) == expected, [row.get("id") for row in body["results"]]


# The lists paged by cursor (the review search is a capped list of numbered pages).
CURSOR_CASES = [
    case
    for case in CASES
    if case.page is not None and case.operation != "reviews_search" and case.role != "participant"
]


def _keys(body) -> list:
    """The rows of a page by their id (an event by its sequence)."""
    return [row.get("id", row.get("sequence")) for row in body["results"]]


@pytest.mark.parametrize("case", CURSOR_CASES, ids=lambda case: case.id)
def test_a_list_walked_by_its_cursors_returns_each_row_once_at_the_first_page_s_cost(
    case, world, make_user, client_for
):
    # Every ordering of every list: its keyset (value, id) follows the order the list sorts
    # by, forward and back, and no page past the first costs more queries than the first.
    url = case.build(world, case.many, **dict(case.params))
    client = client_for(world.manager if case.role == "manager" else make_user(case.role))
    separator = "&" if "?" in url else "?"
    whole = _keys(client.get(f"{url}{separator}page_size=100").json())

    pages, link = [], f"{url}{separator}page_size=7"
    while link:
        with CaptureQueriesContext(connection) as queries:
            body = client.get(link).json()
        pages.append((_keys(body), len(queries)))
        link, last = body["next"], body
    back, link = [], last["previous"]
    while link:
        body = client.get(link).json()
        back.append(_keys(body))
        link = body["previous"]

    assert len(pages) > 2, whole
    assert [pk for page, _count in pages for pk in page] == whole
    assert back == [page for page, _count in pages[-2::-1]]
    # (A timeline page naming no incident saves the query that checks who may see them.)
    assert pages[0][1] == max(count for _page, count in pages) == case.queries, pages


def _gets_of_the_schema() -> dict[str, bool]:
    """operationId -> whether it answers a list (a page, or a JSON array)."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = {}
    for operations in schema["paths"].values():
        operation = operations.get("get")
        if operation is None:
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        body = next(iter(content.values()), {}).get("schema", {})
        found[operation["operationId"]] = body.get("type") == "array" or body.get(
            "$ref", ""
        ).startswith("#/components/schemas/Paginated")
    return found


def test_every_get_of_the_schema_is_in_the_table():
    gets = _gets_of_the_schema()
    counted = {case.operation for case in CASES}

    unlisted_lists = {name for name, is_list in gets.items() if is_list} - counted
    assert not unlisted_lists, f"give these lists a case in CASES: {sorted(unlisted_lists)}"
    unknown = set(gets) - counted - SINGLE_RECORDS
    assert not unknown, f"a case in CASES, or a name in SINGLE_RECORDS: {sorted(unknown)}"
    assert counted | SINGLE_RECORDS <= set(gets), "the table names operations that are gone"
