"""Signed checkpoints of the event log: the head of every stream at one instant."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditCheckpoint(models.Model):
    """A signed record of every stream's head (sequence and hash), written once.

    `document` is exactly the JSON that `audit_checkpoint` writes and the API serves, its
    `signature` included (HMAC-SHA256 with AUDIT_CHECKPOINT_KEY); copies kept elsewhere (files,
    webhook receivers) are what make a later rewrite of the log visible.
    """

    created_at = models.DateTimeField(_("created at"), db_index=True)
    streams = models.PositiveIntegerField(_("streams"))
    events = models.PositiveBigIntegerField(_("events"))
    document = models.JSONField(_("document"))

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"checkpoint {self.pk} ({self.created_at:%Y-%m-%d %H:%M:%S})"
