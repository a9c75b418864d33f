"""Writes: drafting, editing and moving communications; managing templates.

Each service is one transaction: lock, check, change, event. A communication's events go on its
incident's stream (the incident's timeline tells the whole story), each with the
communication's id, its status and the SHA-256 of its body; template changes go on the system
stream. Services refuse what the rules forbid with problems the API and the admin render.
"""

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crisis_api.concurrency import check_version
from crisis_api.errors import InvalidInput
from crisis_api.events.changes import diff, initial_values, snapshot
from crisis_api.events.services import SYSTEM_STREAM, event_append
from crisis_api.lifecycle.services import lock, run_transition
from incidents.communications import placeholders
from incidents.communications.errors import CommunicationClosed, IncidentClosed
from incidents.communications.models import (
    BODY_MAX_LENGTH,
    Communication,
    Status,
    Template,
)
from incidents.communications.state import communication_machine
from incidents.communications.tone import tone_check
from incidents.models import Incident
from incidents.models import Status as IncidentStatus

# Fields whose changes the events record (the body is recorded by its hash, in `data`).
TRACKED_FIELDS = (
    "channel", "audience", "language", "template", "in_reply_to", "url", "withdrawal_reason",
    "approved_by", "approved_at", "published_by", "published_at", "withdrawn_at",
)  # fmt: skip
# What communication_update may change, while the communication is a draft.
EDITABLE_FIELDS = ("channel", "audience", "language", "body", "in_reply_to")
TEMPLATE_FIELDS = ("name", "language", "channel", "body")


def body_sha256(body: str) -> str:
    """The hash of a body as the events record it (hex SHA-256 of its UTF-8)."""
    return hashlib.sha256(body.encode()).hexdigest()


def _event_data(communication: Communication, **extra: Any) -> dict[str, Any]:
    return {
        "communication": str(communication.pk),
        "status": communication.status,
        "body_sha256": body_sha256(communication.body),
        **extra,
    }


def _warning_codes(communication: Communication) -> list[str]:
    return [warning["code"] for warning in communication.tone_warnings]


def _check_tone(communication: Communication, incident: Incident) -> None:
    communication.tone_warnings = tone_check(
        communication.body,
        language=communication.language,
        severity=incident.severity or None,
        channel=communication.channel,
    )


def check_incident_open(incident: Incident) -> None:
    """Refuse (409) to draft or edit for a reviewed (closed) incident."""
    if incident.status == IncidentStatus.REVIEWED:
        raise IncidentClosed(incident.reference, incident.status)


def _check_reply(incident: Incident, in_reply_to) -> None:
    if in_reply_to is not None and in_reply_to.incident_id != incident.pk:
        raise InvalidInput(
            {"in_reply_to": [_("Give a signal of incident %(ref)s.") % {"ref": incident.reference}]}
        )


def _check_body(body: str, field: str = "body") -> None:
    if len(body) > BODY_MAX_LENGTH:
        raise InvalidInput(
            {
                field: [
                    _("The text would be %(length)d characters long; at most %(max)d.")
                    % {"length": len(body), "max": BODY_MAX_LENGTH}
                ]
            }
        )


def _from_template(
    incident: Incident, template: Template, language: str | None, channel: str
) -> str:
    """The template's body filled from the incident (refused in another language)."""
    if language and language != template.language:
        raise InvalidInput(
            {
                "template": [
                    _(
                        "This template is written in '%(template)s', the communication in "
                        "'%(language)s'; pick a template in that language."
                    )
                    % {"template": template.language, "language": language}
                ]
            }
        )
    body = placeholders.fill(
        template.body, placeholders.incident_values(incident, template.language, channel)
    )
    _check_body(body, "template")
    return body


@transaction.atomic
def communication_draft(
    *,
    incident_id,
    actor,
    channel: str,
    audience: str,
    language: str | None = None,
    body: str | None = None,
    template: Template | None = None,
    in_reply_to=None,
) -> Communication:
    """Draft a communication from a `body` or a `template` (exactly one), tone-checked."""
    incident = lock(Incident, incident_id)
    check_incident_open(incident)
    if (body is None) == (template is None):
        message = _("Give either a body or a template, not both.")
        if body is None:
            message = _("Give a body, or a template to fill from the incident.")
        raise InvalidInput({"body": [message], "template": [message]})
    if template is not None:
        body = _from_template(incident, template, language, channel)
        language = template.language
    elif not language:
        raise InvalidInput({"language": [_("Give the language (fr or en) of the body.")]})
    _check_body(body)
    _check_reply(incident, in_reply_to)
    now = timezone.now()
    communication = Communication(
        incident=incident,
        channel=channel,
        audience=audience,
        language=language,
        body=body,
        template=template,
        in_reply_to=in_reply_to,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    _check_tone(communication, incident)
    communication.save()
    event_append(
        stream=incident.stream,
        action="communication.drafted",
        actor=actor,
        changes=diff({}, initial_values(snapshot(communication, TRACKED_FIELDS))),
        data=_event_data(communication, tone_warnings=_warning_codes(communication)),
    )
    return communication


def check_editable(communication: Communication) -> None:
    """Refuse (409) to edit a communication that left `draft`: withdraw it, draft anew."""
    if communication.status != Status.DRAFT:
        raise CommunicationClosed(
            communication.status, communication_machine.allowed(communication)
        )


@transaction.atomic
def communication_update(
    *, communication_id, actor, expected_version: int | None = None, **fields: Any
) -> Communication:
    """Change EDITABLE_FIELDS of a draft and check its tone again; no change, no event."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise TypeError(
            f"communication_update() cannot change {', '.join(unknown)}; "
            f"editable: {', '.join(EDITABLE_FIELDS)}."
        )
    communication = lock(Communication, communication_id)
    check_version(expected_version, communication.version)
    check_editable(communication)
    incident = lock(Incident, communication.incident_id)
    check_incident_open(incident)
    if "in_reply_to" in fields:
        _check_reply(incident, fields["in_reply_to"])
    if "body" in fields:
        _check_body(fields["body"])
    before = snapshot(communication, TRACKED_FIELDS)
    old_body = communication.body
    for name, value in fields.items():
        setattr(communication, name, value)
    changes = diff(before, snapshot(communication, TRACKED_FIELDS))
    if not changes and communication.body == old_body:
        return communication
    _check_tone(communication, incident)
    communication.version += 1
    communication.updated_at = timezone.now()
    communication.save()
    event_append(
        stream=incident.stream,
        action="communication.updated",
        actor=actor,
        changes=changes,
        data=_event_data(
            communication,
            previous_body_sha256=body_sha256(old_body),
            tone_warnings=_warning_codes(communication),
        ),
    )
    return communication


def _transition(
    name: str,
    *,
    communication_id,
    actor,
    expected_version: int | None,
    apply: Callable[[Communication, Any], None],
    note: str = "",
    data: Callable[[Communication], dict] = _event_data,
) -> Communication:
    """Run transition `name`, the incident locked too: its severity and confidentiality decide
    whether a draft may be published (checked again here, whatever the caller saw)."""

    def check(communication: Communication) -> None:
        communication.incident = lock(Incident, communication.incident_id)
        communication_machine.check(communication, name)

    return run_transition(
        machine=communication_machine,
        pk=communication_id,
        name=name,
        actor=actor,
        expected_version=expected_version,
        apply=apply,
        tracked=TRACKED_FIELDS,
        note=note,
        data=data,
        check=check,
        statuses_in_changes=True,
    )


def communication_approve(
    *, communication_id, actor, expected_version: int | None = None
) -> Communication:
    """A manager approves a draft; the tone warnings present now are kept in the event."""

    def apply(communication: Communication, now) -> None:
        communication.approve(at=now, actor=actor)
        _check_tone(communication, communication.incident)

    return _transition(
        "approve",
        communication_id=communication_id,
        actor=actor,
        expected_version=expected_version,
        apply=apply,
        data=lambda c: _event_data(c, tone_warnings=c.tone_warnings),
    )


def communication_publish(
    *,
    communication_id,
    actor,
    url: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Communication:
    """Record that it was published (at `url`); the first one dates the incident's first
    public response, which does not change the incident's version.

    `at` is when it was published, for callers that record the past (demo data, history
    brought over from another tool; the API and the admin never pass it): it must fall between
    the incident's detection and now. The event keeps the time of the write.
    """
    first = []

    def apply(communication: Communication, now) -> None:
        when = at or now
        if not communication.incident.detected_at <= when <= now:
            raise ValueError(
                f"A publication recorded at {when.isoformat()} must fall between the "
                f"incident's detection ({communication.incident.detected_at.isoformat()}) and now."
            )
        communication.publish(at=when, actor=actor, url=url)
        first.append(
            Incident.objects.filter(
                pk=communication.incident_id, first_public_response_at__isnull=True
            ).update(first_public_response_at=when)
            == 1
        )

    return _transition(
        "publish",
        communication_id=communication_id,
        actor=actor,
        expected_version=expected_version,
        apply=apply,
        data=lambda c: _event_data(c, first_public_response=first[0]),
    )


def communication_withdraw(
    *, communication_id, actor, reason: str, expected_version: int | None = None
) -> Communication:
    """Withdraw a draft or an approved text, or retract a published one, saying why."""
    return _transition(
        "withdraw",
        communication_id=communication_id,
        actor=actor,
        expected_version=expected_version,
        apply=lambda communication, now: communication.withdraw(at=now, reason=reason),
        note=reason,
    )


# The service of each transition, for callers that pick one by name (API, admin, demo data).
TRANSITION_SERVICES: dict[str, Callable[..., Communication]] = {
    "approve": communication_approve,
    "publish": communication_publish,
    "withdraw": communication_withdraw,
}


# --- Templates ---------------------------------------------------------------------------------


def check_template_body(body: str) -> None:
    """Refuse (400) a body with placeholders outside the documented set, naming them."""
    unknown = placeholders.unknown_placeholders(body)
    if unknown:
        raise InvalidInput({"body": [unknown_placeholders_message(unknown)]})


def unknown_placeholders_message(unknown: list[str]) -> str:
    """Names the unknown placeholders (the first ten, each cut at 40 characters: the message
    quotes the caller, it does not echo a whole body back)."""
    names = [f"{{{name[:40]}…}}" if len(name) > 40 else f"{{{name}}}" for name in unknown]
    if len(names) > 10:
        names = [*names[:10], "…"]
    return _("Unknown placeholders: %(unknown)s. Use only: %(documented)s.") % {
        "unknown": ", ".join(names),
        "documented": placeholders.documented(),
    }


def _template_event(template: Template, action: str, actor, changes: dict) -> None:
    event_append(
        stream=SYSTEM_STREAM,
        action=action,
        actor=actor,
        changes=changes,
        data={
            "template": str(template.pk),
            "name": template.name,
            "language": template.language,
            "body_sha256": body_sha256(template.body),
        },
    )


def _save_template(template: Template) -> None:
    if (
        Template.objects.filter(name=template.name, language=template.language)
        .exclude(pk=template.pk)
        .exists()
    ):
        raise InvalidInput({"name": [_template_taken(template)]})
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:  # the same name was saved meanwhile
        raise InvalidInput({"name": [_template_taken(template)]}) from None


def _template_taken(template: Template) -> str:
    return _("A template named %(name)s in '%(language)s' exists; pick another name.") % {
        "name": template.name,
        "language": template.language,
    }


@transaction.atomic
def template_create(*, actor, name: str, language: str, body: str, channel: str = "") -> Template:
    """Add a holding statement; its placeholders must be documented ones."""
    check_template_body(body)
    now = timezone.now()
    template = Template(
        name=name, language=language, channel=channel or "", body=body, created_at=now,
        updated_at=now,
    )  # fmt: skip
    _save_template(template)
    changes = diff({}, initial_values(snapshot(template, ("name", "language", "channel"))))
    _template_event(template, "template.created", actor, changes)
    return template


@transaction.atomic
def template_update(*, template_id, actor, **fields: Any) -> Template:
    """Change TEMPLATE_FIELDS; no change, no event."""
    unknown = sorted(set(fields) - set(TEMPLATE_FIELDS))
    if unknown:
        raise TypeError(f"template_update() cannot change {', '.join(unknown)}.")
    template = Template.objects.select_for_update().get(pk=template_id)
    if "body" in fields:
        check_template_body(fields["body"])
    if "channel" in fields:
        fields["channel"] = fields["channel"] or ""
    tracked = ("name", "language", "channel")
    before, old_body = snapshot(template, tracked), template.body
    for name, value in fields.items():
        setattr(template, name, value)
    changes = diff(before, snapshot(template, tracked))
    if not changes and template.body == old_body:
        return template
    template.updated_at = timezone.now()
    _save_template(template)
    _template_event(template, "template.updated", actor, changes)
    return template


@transaction.atomic
def template_delete(*, template_id, actor) -> None:
    """Delete a template (communications drafted from it keep their text)."""
    template = Template.objects.select_for_update().get(pk=template_id)
    _template_event(template, "template.deleted", actor, {})
    template.delete()
