"""Record the deadlines breached since the last run in the event log; run it every minute.

    python manage.py check_deadlines      # prints each breach it recorded, then a count
    python manage.py check_deadlines -v 0 # prints nothing (for cron: no mail every minute)

Each breach is recorded once per incident and deadline, however often this runs and even when
two runs overlap (see incidents.deadlines.services.incident_deadline_breaches_record).
"""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from incidents.deadlines.services import incident_deadline_breaches_record


class Command(BaseCommand):
    help = (
        "Record each incident deadline breached since the last run "
        "(incident.response_deadline_breached, incident.resolution_deadline_breached), "
        "once. Safe to run every minute from cron."
    )

    def handle(self, *args, verbosity=1, **options):
        breaches = incident_deadline_breaches_record()
        if verbosity < 1:
            return
        for breach in breaches:
            due = timezone.localtime(breach.due_at).isoformat(timespec="minutes")
            self.stdout.write(
                _("%(reference)s: %(breach)s (it was due %(due_at)s).")
                % {
                    "reference": breach.incident.reference,
                    "breach": breach.deadline.breached_label,
                    "due_at": due,
                }
            )
        self.stdout.write(
            ngettext(
                "%(count)d breached deadline recorded.",
                "%(count)d breached deadlines recorded.",
                len(breaches),
            )
            % {"count": len(breaches)}
        )
