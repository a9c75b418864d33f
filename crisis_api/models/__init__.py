"""Platform models: API tokens, the append-only event log and its checkpoints."""

from crisis_api.models.audit import AuditCheckpoint
from crisis_api.models.events import Event, EventStream
from crisis_api.models.tokens import ApiToken, TokenState

__all__ = ["ApiToken", "AuditCheckpoint", "Event", "EventStream", "TokenState"]
