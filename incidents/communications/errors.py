"""Refusals of the communication services, as problems that say what to do instead."""

from django.utils.translation import gettext as _

from crisis_api.errors import ProblemError


class CommunicationClosed(ProblemError):
    """A communication that left `draft` can no longer be edited: a 409."""

    status_code = 409
    code = "not_editable"

    def __init__(self, current_status: str, allowed: list[str]) -> None:
        super().__init__(
            _(
                "Only a draft can be edited; this communication is '%(status)s'. Withdraw it "
                "and draft a new one."
            )
            % {"status": current_status},
            current_status=current_status,
            allowed_transitions=list(allowed),
            editable_fields=[],
        )


class IncidentClosed(ProblemError):
    """The incident was reviewed: nothing new is drafted for it: a 409."""

    status_code = 409
    code = "incident_closed"

    def __init__(self, reference: str, current_status: str) -> None:
        super().__init__(
            _(
                "Incident %(reference)s is '%(status)s' (closed): no communication can be "
                "drafted or edited for it. Record a new incident if the crisis is back."
            )
            % {"reference": reference, "status": current_status},
            current_status=current_status,
        )
