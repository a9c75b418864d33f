"""The incident state machine, as declared by the `@transition` methods of `Incident.status`."""

from crisis_api.lifecycle.machine import StateMachine
from incidents.models import Incident

incident_machine = StateMachine(Incident, "status")
