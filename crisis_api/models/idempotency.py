"""Idempotency keys: the first answer to a POST, kept so a retry gets it again."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """One caller's `Idempotency-Key`: claimed by a unique insert, then the stored answer.

    A row without `status_code` is a request still running; with it, the answer to replay.
    """

    scope = models.CharField(max_length=64, help_text=_("Who sent it: a token or a user."))
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(
        max_length=64, help_text=_("SHA-256 of the method, path and body of the first request.")
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField(null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"

    @property
    def completed(self) -> bool:
        return self.status_code is not None
