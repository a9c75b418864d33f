"""The communication state machine, as declared by the `@transition` methods of its status."""

from crisis_api.lifecycle.machine import StateMachine
from incidents.communications.models import Communication

communication_machine = StateMachine(Communication, "status")
