"""Platform models: API tokens, the append-only event log and idempotency keys."""

from crisis_api.models.events import Event, EventStream
from crisis_api.models.idempotency import IdempotencyKey
from crisis_api.models.tokens import ApiToken, TokenState

__all__ = ["ApiToken", "Event", "EventStream", "IdempotencyKey", "TokenState"]
