"""Platform models: API tokens, the append-only event log, its checkpoints and idempotency keys."""

from crisis_api.models.audit import AuditCheckpoint
from crisis_api.models.events import Event, EventStream
from crisis_api.models.idempotency import IdempotencyKey
from crisis_api.models.tokens import ApiToken, TokenState

__all__ = ["ApiToken", "AuditCheckpoint", "Event", "EventStream", "IdempotencyKey", "TokenState"]
