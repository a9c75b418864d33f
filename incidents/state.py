"""Questions about the state machine, answered from the `@transition` declarations."""

from django_fsm import TransitionNotAllowed as _FsmRefusal  # noqa: F401  (re-exported for tests)

from crisis_api.errors import ProblemError
from incidents.models import Incident

TRANSITIONS = ("assess", "respond", "resolve", "dismiss", "reopen", "review")

# The event action each transition records.
TRANSITION_ACTIONS = {
    "assess": "incident.assessed",
    "respond": "incident.response_started",
    "resolve": "incident.resolved",
    "dismiss": "incident.dismissed",
    "reopen": "incident.reopened",
    "review": "incident.reviewed",
}


class TransitionNotAllowed(ProblemError):
    """The transition cannot run from the incident's current status."""

    status_code = 409
    code = "transition_not_allowed"

    def __init__(self, name: str, incident: Incident) -> None:
        allowed = allowed_transitions(incident)
        super().__init__(
            f"Transition {name!r} is not allowed from {incident.status!r}; allowed: "
            f"{', '.join(allowed) or 'none'}.",
            current_status=incident.status,
            allowed_transitions=allowed,
        )


def transition_permission(name: str) -> str:
    """The permission a transition requires (declared once, on the model)."""
    meta = getattr(Incident, name)._django_fsm
    return next(iter(meta.transitions.values())).permission


def allowed_transitions(incident: Incident) -> list[str]:
    """Transitions the state machine allows from the current status, whoever asks."""
    return [t.name for t in incident.get_available_status_transitions()]


def user_transitions(incident: Incident, user) -> list[str]:
    """Transitions this user may run now (state and permission both allow)."""
    return [t.name for t in incident.get_available_user_status_transitions(user)]


def can_run(incident: Incident, name: str) -> bool:
    """The current status allows the transition (permissions aside)."""
    return name in allowed_transitions(incident)
