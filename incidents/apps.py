"""App configuration for incidents."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

_VIEWER = ["incidents.view_incident", "incidents.view_incidentreview"]
_RESPONDER = [
    *_VIEWER,
    "incidents.add_incident",
    "incidents.change_incident",
    "incidents.assess_incident",
    "incidents.respond_incident",
    "incidents.resolve_incident",
    "incidents.dismiss_incident",
    "incidents.reopen_incident",
]


class IncidentsConfig(AppConfig):
    """The incident lifecycle."""

    name = "incidents"
    verbose_name = _("Incidents")
    # What each role may do with incidents (the platform syncs the groups after migrate).
    role_permissions = {
        "viewer": _VIEWER,
        "responder": _RESPONDER,
        "manager": [
            *_RESPONDER,
            "incidents.review_incident",
            "incidents.view_confidential_incident",
            # The deadlines of each severity, in the admin: one row per severity, so nobody
            # adds or deletes them.
            "incidents.view_severitypolicy",
            "incidents.change_severitypolicy",
        ],
    }

    def ready(self) -> None:
        from crisis_api.events.hooks import describe_streams_with
        from crisis_api.events.verification import register_record_check
        from incidents.audit import PREFIX, check_incidents
        from incidents.selectors import incident_stream_subjects

        # Verification compares each incident with its stream's last event.
        register_record_check(PREFIX, check_incidents)
        # Webhooks learn which streams are confidential incidents, and their ids, from this.
        describe_streams_with("incident:", incident_stream_subjects)
