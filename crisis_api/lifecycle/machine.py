"""Questions about a model's state machine, answered from its `@transition` declarations."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property

from django.db import models
from django.utils.functional import Promise

from crisis_api.lifecycle.errors import TransitionNotAllowed


@dataclass(frozen=True)
class Edge:
    """One move of the machine: `source --name--> target`."""

    source: str
    name: str
    target: str


class StateMachine:
    """The state machine of `model.<field>`: its states, transitions and their metadata.

    The declarations are the single source: names, order, permissions, event actions and
    labels are all read from the `@transition` decorators (`custom={"event": …, "label": …}`).
    """

    def __init__(self, model: type[models.Model], field: str = "status") -> None:
        self.model = model
        self.field_name = field

    @cached_property
    def field(self):
        return self.model._meta.get_field(self.field_name)

    @cached_property
    def states(self) -> list[str]:
        """Every state, in the order of the field's choices."""
        return [value for value, _label in self.field.choices]

    def state_label(self, state: str) -> str | Promise:
        """The human (translatable) label of a state."""
        return dict(self.field.choices).get(state, state)

    @cached_property
    def _methods(self) -> dict[str, object]:
        """Transition name -> the FSM metadata of its method, in declaration order."""
        found = {}
        for attribute in vars(self.model).values():
            meta = getattr(attribute, "_django_fsm", None)
            if meta is not None and meta.field in (self.field, self.field_name):
                found[attribute.__name__] = meta
        return found

    @cached_property
    def names(self) -> tuple[str, ...]:
        """Every transition name, in declaration order."""
        return tuple(self._methods)

    def _declaration(self, name: str):
        try:
            meta = self._methods[name]
        except KeyError:
            raise KeyError(
                f"{self.model.__name__} has no transition {name!r}; "
                f"it has: {', '.join(self.names)}."
            ) from None
        return next(iter(meta.transitions.values()))

    def permission(self, name: str) -> str:
        """The permission (`app_label.codename`) that running `name` requires."""
        return self._declaration(name).permission

    def event_action(self, name: str) -> str:
        """The action of the event `name` records (e.g. `incident.assessed`)."""
        return self._declaration(name).custom["event"]

    def label(self, name: str) -> str | Promise:
        """The human (translatable) label of a transition."""
        return self._declaration(name).custom.get("label", name)

    @cached_property
    def edges(self) -> list[Edge]:
        """Every move, one per source state, in state order (wildcards expanded)."""
        found = set()
        for name, meta in self._methods.items():
            for declared in meta.transitions.values():
                target = str(declared.target)
                if declared.source in ("*", "+"):  # any state; "+": any other state
                    sources = [s for s in self.states if declared.source == "*" or s != target]
                else:
                    sources = [str(declared.source)]
                found.update(Edge(source, name, target) for source in sources)
        for edge in found:
            if edge.source not in self.states or edge.target not in self.states:
                raise ValueError(f"{edge} leaves the states of {self.model.__name__}")
        index = self.states.index
        return sorted(found, key=lambda e: (index(e.source), index(e.target), e.name))

    def state(self, obj) -> str:
        return getattr(obj, self.field_name)

    def allowed(self, obj) -> list[str]:
        """Transitions the current state allows, whoever asks (declaration order)."""
        state = self.state(obj)
        return [
            name
            for name, meta in self._methods.items()
            if meta.has_transition(state) and meta.conditions_met(obj, state)
        ]

    def can_run(self, obj, name: str) -> bool:
        """The current state allows `name` (permissions aside)."""
        return name in self.allowed(obj)

    def for_user(self, obj, user) -> list[str]:
        """Transitions this user may run now: the state and the user's permissions allow them."""
        return [name for name in self.allowed(obj) if user.has_perm(self.permission(name))]

    def availability(self, user) -> Callable[[object], list[str]]:
        """`for_user` for many objects and one user (a page of a list): a function of the object.

        The user's permissions are asked once, and each state's declared transitions are
        looked up once; per object only the conditions, if any, are evaluated. The answer is
        `for_user`'s, in the same order.
        """
        permitted = [
            (name, meta)
            for name, meta in self._methods.items()
            if user.has_perm(self.permission(name))
        ]
        by_state: dict[str, list] = {}

        def available(obj) -> list[str]:
            state = self.state(obj)
            declared = by_state.get(state)
            if declared is None:
                declared = by_state[state] = [
                    (name, meta, bool(meta.get_transition(state).conditions))
                    for name, meta in permitted
                    if meta.has_transition(state)
                ]
            return [
                name
                for name, meta, conditional in declared
                if not conditional or meta.conditions_met(obj, state)
            ]

        return available

    def unmet_conditions(self, obj, name: str) -> list[str]:
        """Why `name`, declared from the current state, cannot run now: the `refusal` text of
        each of its conditions that fails (a condition function may carry one)."""
        meta = self._methods.get(name)
        state = self.state(obj)
        transition = meta.get_transition(state) if meta and meta.has_transition(state) else None
        return [
            str(condition.refusal)
            for condition in (transition.conditions or [] if transition else [])
            if getattr(condition, "refusal", None) and not condition(obj)
        ]

    def refusal(self, obj, name: str) -> "TransitionNotAllowed":
        """The 409 for running `name` on `obj` now, with the reasons of unmet conditions."""
        return TransitionNotAllowed(
            name, self.state(obj), self.allowed(obj), reasons=self.unmet_conditions(obj, name)
        )

    def check(self, obj, name: str) -> None:
        """Raise the 409 unless the current state allows `name`."""
        if not self.can_run(obj, name):
            raise self.refusal(obj, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)


def all_machines() -> list[StateMachine]:
    """The state machine of every installed model with an FSM field."""
    from django.apps import apps
    from django_fsm import FSMFieldMixin

    return [
        StateMachine(model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, FSMFieldMixin)
    ]
