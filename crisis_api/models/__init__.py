"""Platform models: API tokens and the append-only event log."""

from crisis_api.models.events import Event, EventStream
from crisis_api.models.tokens import ApiToken, TokenState

__all__ = ["ApiToken", "Event", "EventStream", "TokenState"]
