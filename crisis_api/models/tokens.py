"""API tokens, stored only as SHA-256 digests; every token expires."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TokenState(models.TextChoices):
    """Where a token stands now: derived from its times, never stored."""

    ACTIVE = "active", _("active")
    EXPIRED = "expired", _("expired")
    REVOKED = "revoked", _("revoked")


class ApiTokenQuerySet(models.QuerySet):
    """Tokens selected by state, computed in the database."""

    def in_state(self, state: str, *, now=None) -> "ApiTokenQuerySet":
        now = now or timezone.now()
        if state == TokenState.REVOKED:
            return self.filter(revoked_at__isnull=False)
        live = self.filter(revoked_at__isnull=True)
        if state == TokenState.EXPIRED:
            return live.filter(expires_at__lte=now)
        return live.filter(expires_at__gt=now)


class ApiToken(models.Model):
    """A bearer token for one user; the secret itself is never stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=16, help_text=_("First characters, to recognise it."))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(
        help_text=_("Every token expires (at most API_TOKEN_MAX_DAYS after it is issued).")
    )
    last_used_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Last authenticated request, to within API_TOKEN_LAST_USED_MINUTES."),
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        permissions = [
            # A marker, not a grant: its holder (a monitoring tool's account) may use only the
            # endpoints that declare `feed_actions` (crisis_api.auth.permissions).
            ("feed_only", _("Can only feed monitoring signals (a monitoring tool's account)")),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return TokenState.REVOKED
        if self.expires_at <= timezone.now():
            return TokenState.EXPIRED
        return TokenState.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.state == TokenState.ACTIVE
