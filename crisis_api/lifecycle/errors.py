"""Refusals of a state machine, as problems (409) that say what the caller can do instead."""

from django.utils.translation import gettext as _

from crisis_api.errors import ProblemError


def _names(names) -> str:
    return ", ".join(names) or _("none")


class TransitionNotAllowed(ProblemError):
    """The transition cannot run from the resource's current status."""

    status_code = 409
    code = "transition_not_allowed"

    def __init__(
        self, name: str, current_status: str, allowed: list[str], reasons: list[str] = ()
    ) -> None:
        """`reasons` say why, when the status allows `name` but a condition does not."""
        detail = _("Transition '%(name)s' is not allowed from '%(status)s'; allowed: %(allowed)s.")
        detail %= {"name": name, "status": current_status, "allowed": _names(allowed)}
        super().__init__(
            " ".join([detail, *reasons]),
            current_status=current_status,
            allowed_transitions=list(allowed),
        )


class NotEditable(ProblemError):
    """The resource's status no longer lets these fields change."""

    status_code = 409
    code = "not_editable"

    def __init__(self, fields, current_status: str, editable: list[str]) -> None:
        super().__init__(
            _(
                "%(fields)s cannot change while the status is '%(status)s'; only these can: "
                "%(editable)s."
            ) % {"fields": ", ".join(fields), "status": current_status,
                 "editable": _names(editable)},
            current_status=current_status,
            editable_fields=list(editable),
        )  # fmt: skip
