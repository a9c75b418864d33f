"""Generic pieces of a resource with a state machine: questions, refusals, the locked step.

A model declares its moves with django-fsm-2's `@transition` on one `FSMField`, each with its
permission and, in `custom`, the event action it records (`custom={"event": "incident.assessed"}`)
and a human label. `StateMachine` answers every question about them; `run_transition` is the
one write path (lock, version check, state check, apply, save, event); the API, admin and
diagram modules build their pieces from the same declarations.
"""
