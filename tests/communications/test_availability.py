"""StateMachine.availability (a page's available_transitions) with a conditional transition."""

from incidents.communications.models import Communication
from incidents.communications.state import communication_machine


def test_availability_evaluates_conditions_per_object(make_communication, make_rated, manager):
    """Publishing a draft has a condition (no approval needed): two drafts in one state differ."""
    calm = make_communication(incident=make_rated("low"))
    needs_approval = make_communication(incident=make_rated("critical"))
    approved = make_communication("approved", incident=make_rated("critical"))
    available = communication_machine.availability(manager)

    assert available(calm) == ["approve", "publish", "withdraw"]
    assert available(needs_approval) == ["approve", "withdraw"]
    for communication in Communication.objects.all():
        assert available(communication) == communication_machine.for_user(communication, manager)
    assert available(approved) == communication_machine.for_user(approved, manager)
