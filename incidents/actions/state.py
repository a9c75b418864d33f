"""The action state machine, as declared by the `@transition` methods of `Action.status`."""

from crisis_api.lifecycle.machine import StateMachine
from incidents.actions.models import Action

action_machine = StateMachine(Action, "status")
