"""Writes on actions: each one transaction, its event on the incident's stream.

The incident's timeline tells the whole story, so an action's events (`action.created`,
`action.updated`, `action.completed`, `action.cancelled`, `action.reopened`) go on its
incident's stream, each with the action's id in `data`; their `from_status`/`to_status` stay
the incident's, the action's own move is in `changes["status"]`.
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from crisis_api.concurrency import check_version
from crisis_api.currencies import ACTIVE_CURRENCIES
from crisis_api.errors import InvalidInput
from crisis_api.events.changes import diff, initial_values, snapshot
from crisis_api.events.services import NewEvent, event_append, events_append
from crisis_api.lifecycle.services import lock, run_transition
from incidents.actions.models import TITLE_MAX_LENGTH, Action, Kind
from incidents.actions.state import action_machine
from incidents.models import Incident
from incidents.selectors import incidents_visible_to

# Fields whose changes the event log records ("status" too, as changes["status"]).
TRACKED_FIELDS = (
    "kind", "title", "description", "owner", "due_at", "amount", "currency", "beneficiaries",
    "completed_at", "cancelled_at", "cancel_reason",
)  # fmt: skip
# What action_update may change: the API, the admin and the demo data all use this list.
EDITABLE_FIELDS = (
    "kind", "title", "description", "owner", "due_at", "amount", "currency", "beneficiaries",
)  # fmt: skip
# Only a compensation has these.
COMPENSATION_FIELDS = ("amount", "currency", "beneficiaries")
# Who may own an action: someone who can complete it (responder or manager)…
OWNER_PERMISSION = "actions.complete_action"


def _data(action: Action) -> dict[str, Any]:
    """What every action event carries: which action it is about."""
    return {"action_id": str(action.pk), "title": action.title}


def check_owner(incident: Incident, owner) -> None:
    """Refuse (400) an owner who could not do the action: they must be an active user with
    the responder or manager role who can see the incident (for a confidential one: its
    creator, owner, participants, or a manager)."""
    if owner is None:
        return
    if not owner.is_active or not owner.has_perm(OWNER_PERMISSION):
        raise InvalidInput(
            {
                "owner": [
                    _("%(name)s cannot own actions; give them the responder or manager role.")
                    % {"name": owner.username}
                ]
            }
        )
    if not incidents_visible_to(owner).filter(pk=incident.pk).exists():
        raise InvalidInput(
            {
                "owner": [
                    _(
                        "%(name)s cannot see this confidential incident; add them to its "
                        "participants first, or choose someone who can see it."
                    )
                    % {"name": owner.username}
                ]
            }
        )


def check_compensation(
    *, kind: str, amount: Decimal | None, currency: str, beneficiaries: int | None
) -> None:
    """A compensation has an amount above 0 and an active ISO 4217 currency (beneficiaries
    optional); any other kind has none of the three. Refused field by field (400)."""
    errors: dict[str, list[str]] = {}
    if kind == Kind.COMPENSATION:
        if amount is None:
            errors["amount"] = [_('A compensation needs an amount, e.g. "150.00".')]
        elif amount <= 0:
            errors["amount"] = [_("Give an amount above 0.")]
        if not currency:
            errors["currency"] = [_("A compensation needs a currency: an ISO 4217 code, e.g. EUR.")]
        elif currency not in ACTIVE_CURRENCIES:
            errors["currency"] = [
                _("%(code)s is not an active ISO 4217 currency code; give one such as EUR.")
                % {"code": currency}
            ]
    else:
        given = {"amount": amount, "currency": currency, "beneficiaries": beneficiaries}
        for name, value in given.items():
            if value not in (None, ""):
                errors[name] = [
                    _(
                        "Only a compensation has %(field)s; make the kind compensation, or send "
                        "null to clear it."
                    )
                    % {"field": name}
                ]
    if errors:
        raise InvalidInput(errors)


@transaction.atomic
def action_create(
    *,
    incident_id,
    actor,
    kind: str,
    title: str,
    description: str = "",
    owner=None,
    due_at: datetime | None = None,
    amount: Decimal | None = None,
    currency: str | None = "",
    beneficiaries: int | None = None,
) -> Action:
    """Record a new open action on an incident (whatever the incident's status).

    The incident row is locked first, like its transitions do: Django's foreign keys are
    checked at commit on PostgreSQL (DEFERRABLE INITIALLY DEFERRED), so without it the new row
    would take its share lock on the incident after the stream head's lock, the reverse of a
    transition's order, and a resolve racing the creation would deadlock. It also makes the
    count of open actions a resolve records exact.
    """
    incident = lock(Incident, incident_id)
    currency = currency or ""
    check_compensation(kind=kind, amount=amount, currency=currency, beneficiaries=beneficiaries)
    check_owner(incident, owner)
    now = timezone.now()
    action = Action.objects.create(
        incident=incident,
        kind=kind,
        title=title,
        description=description,
        owner=owner,
        due_at=due_at,
        amount=amount,
        currency=currency,
        beneficiaries=beneficiaries,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    event_append(
        stream=action.stream,
        action="action.created",
        actor=actor,
        changes=_created_changes(action),
        data=_data(action),
    )
    return action


def _created_changes(action: Action) -> dict:
    values = {"status": action.status, **snapshot(action, TRACKED_FIELDS)}
    return diff({}, initial_values(values))


@transaction.atomic
def action_update(
    *, action_id, actor, expected_version: int | None = None, **fields: Any
) -> Action:
    """Change EDITABLE_FIELDS, in any status; no change, no event and no new version.

    Changing the kind to or from compensation keeps the rule: the same call sets the amount
    and currency, or clears them (null).
    """
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise TypeError(
            f"action_update() cannot change {', '.join(unknown)}; "
            f"editable: {', '.join(EDITABLE_FIELDS)}."
        )
    action = lock(Action, action_id)
    check_version(expected_version, action.version)
    before = snapshot(action, TRACKED_FIELDS)
    if "currency" in fields:
        fields["currency"] = fields["currency"] or ""
    owner = fields.get("owner")
    if owner is not None and owner.pk != action.owner_id:
        check_owner(action.incident, owner)
    for name, value in fields.items():
        setattr(action, name, value)
    check_compensation(
        kind=action.kind,
        amount=action.amount,
        currency=action.currency,
        beneficiaries=action.beneficiaries,
    )
    changes = diff(before, snapshot(action, TRACKED_FIELDS))
    if not changes:
        return action
    action.version += 1
    action.updated_at = timezone.now()
    action.save()
    event_append(
        stream=action.stream,
        action="action.updated",
        actor=actor,
        changes=changes,
        data=_data(action),
    )
    return action


def _transition(
    name: str,
    *,
    action_id,
    actor,
    expected_version: int | None,
    apply: Callable[[Action, datetime], None],
    note: str = "",
) -> Action:
    """Run transition `name` through the platform's one write path, on the incident's stream."""
    return run_transition(
        machine=action_machine,
        pk=action_id,
        name=name,
        actor=actor,
        expected_version=expected_version,
        apply=apply,
        tracked=TRACKED_FIELDS,
        note=note,
        data=_data,
        statuses_in_changes=True,
    )


def action_complete(
    *, action_id, actor, note: str = "", expected_version: int | None = None
) -> Action:
    """The action is done (`completed_at` is kept until it is reopened)."""
    return _transition(
        "complete",
        action_id=action_id,
        actor=actor,
        expected_version=expected_version,
        apply=lambda action, now: action.complete(at=now),
        note=note,
    )


def action_cancel(*, action_id, actor, reason: str, expected_version: int | None = None) -> Action:
    """The action will not be done, and why."""
    return _transition(
        "cancel",
        action_id=action_id,
        actor=actor,
        expected_version=expected_version,
        apply=lambda action, now: action.cancel(at=now, reason=reason),
        note=reason,
    )


def action_reopen(
    *, action_id, actor, reason: str = "", expected_version: int | None = None
) -> Action:
    """Back to open: it was not finished after all, or it is needed again."""
    return _transition(
        "reopen",
        action_id=action_id,
        actor=actor,
        expected_version=expected_version,
        apply=lambda action, now: action.reopen(at=now),
        note=reason,
    )


# The service of each transition, for callers that pick one by name (API, admin, demo data).
TRANSITION_SERVICES: dict[str, Callable[..., Action]] = {
    "complete": action_complete,
    "cancel": action_cancel,
    "reopen": action_reopen,
}


def actions_from_review(*, incident: Incident, actor, follow_ups: Iterable[str]) -> list[Action]:
    """The review's follow-up actions as open actions of kind follow_up, without an owner.

    Runs inside the review's transaction, after its `incident.reviewed` event: one
    `action.created` event each, in a fixed number of queries. A follow-up longer than an
    action's title is shortened there and kept whole in the description. Each is created a
    microsecond after the one before: actions are listed oldest first, and with one time for
    all, their random ids would shuffle the review's order.
    """
    now = timezone.now()
    actions = []
    for index, text in enumerate(follow_ups):
        title = Truncator(text).chars(TITLE_MAX_LENGTH)
        at = now + timedelta(microseconds=index)
        actions.append(
            Action(
                incident=incident,
                kind=Kind.FOLLOW_UP,
                title=title,
                description=text if title != text else "",
                from_review=True,
                created_by=actor,
                created_at=at,
                updated_at=at,
            )
        )
    if not actions:
        return []
    Action.objects.bulk_create(actions)
    events_append(
        [
            NewEvent(
                stream=action.stream,
                action="action.created",
                actor=actor,
                changes=_created_changes(action),
                data={**_data(action), "from_review": True},
            )
            for action in actions
        ]
    )
    return actions
