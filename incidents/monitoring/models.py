"""Signals: what monitoring tools saw, grouped into incidents and into clusters of copies."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import Channel, Incident

# Bounds of a signal's fields (the API and the schema use them too).
CONTENT_MAX_LENGTH = 10_000
URL_MAX_LENGTH = 2_048
HANDLE_MAX_LENGTH = 200  # external_id, author, group_key
RAW_MAX_BYTES = 16 * 1024
# reach and engagement: more than anyone's audience, and sums of millions stay in 64 bits.
AUDIENCE_MAX = 10**12


class SignalCluster(models.Model):
    """Signals whose texts are near-identical: a copy and its edited copies.

    A cluster is seeded by its first signal; a later signal joins the first cluster whose seed
    text it matches (see incidents.monitoring.text), so a cluster never drifts from its seed.
    """

    id = models.BigAutoField(primary_key=True)
    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True)
    normalised = models.TextField(_("normalised text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("signal cluster")
        verbose_name_plural = _("signal clusters")

    def __str__(self) -> str:
        return self.normalised[:60]


class SignalClusterBand(models.Model):
    """One MinHash band key of a cluster's seed text: the index that finds edited copies."""

    cluster = models.ForeignKey(SignalCluster, on_delete=models.CASCADE, related_name="bands")
    band = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["band", "cluster"], name="signal_cluster_band_unique")
        ]

    def __str__(self) -> str:
        return f"{self.cluster_id}:{self.band}"


class SignalTopic(models.Model):
    """A monitoring tool's topic or alert id (`group_key`), and the incident it feeds now.

    The row is also what concurrent batches lock, so two batches bringing the same new key
    open one incident.
    """

    key = models.CharField(_("group key"), max_length=HANDLE_MAX_LENGTH, primary_key=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("incident")
    )

    class Meta:
        verbose_name = _("signal topic")
        verbose_name_plural = _("signal topics")

    def __str__(self) -> str:
        return self.key


class Signal(models.Model):
    """One post, article, review or message a monitoring tool reported. Immutable."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, related_name="signals", verbose_name=_("incident")
    )
    platform = models.CharField(_("platform"), max_length=16, choices=Channel.choices)
    observed_at = models.DateTimeField(_("observed at"))
    content = models.TextField(_("content"), max_length=CONTENT_MAX_LENGTH)
    url = models.URLField(_("URL"), max_length=URL_MAX_LENGTH, blank=True)
    url_key = models.CharField(_("URL key"), max_length=64, blank=True, editable=False)
    external_id = models.CharField(_("external id"), max_length=HANDLE_MAX_LENGTH, blank=True)
    author = models.CharField(_("author"), max_length=HANDLE_MAX_LENGTH, blank=True)
    language = models.CharField(_("language"), max_length=2, blank=True)
    sentiment = models.FloatField(_("sentiment"), null=True, blank=True)
    reach = models.PositiveBigIntegerField(_("reach"), null=True, blank=True)
    engagement = models.PositiveBigIntegerField(_("engagement"), null=True, blank=True)
    group_key = models.CharField(_("group key"), max_length=HANDLE_MAX_LENGTH, blank=True)
    raw = models.JSONField(_("original payload"), default=dict, blank=True)
    cluster = models.ForeignKey(
        SignalCluster,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signals",
        verbose_name=_("cluster"),
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    received_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("received from"),
    )

    class Meta:
        verbose_name = _("signal")
        verbose_name_plural = _("signals")
        ordering = ["-observed_at", "-id"]
        constraints = [
            # A unique constraint decides what is a duplicate, also between concurrent batches.
            models.UniqueConstraint(
                fields=["platform", "external_id"],
                condition=~Q(external_id=""),
                name="signal_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["url_key"], condition=~Q(url_key=""), name="signal_unique_url"
            ),
            models.CheckConstraint(
                condition=Q(platform__in=Channel.values), name="signal_platform_valid"
            ),
            models.CheckConstraint(
                condition=Q(sentiment__isnull=True) | Q(sentiment__gte=-1.0, sentiment__lte=1.0),
                name="signal_sentiment_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["incident", "-observed_at", "-id"], name="signal_incident_observed"
            ),
            models.Index(fields=["cluster", "observed_at"], name="signal_cluster_observed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.observed_at:%Y-%m-%d %H:%M} {self.author}"


class SignalTally(models.Model):
    """What an incident's signals of one hour, platform and language add up to.

    Kept by ingestion (crisis_api.rollups), so the summary sums a few hundred rows instead of
    aggregating every signal. `negative` counts sentiments below the
    ASSESSMENT_SUGGESTION["negative_sentiment_below"] of the time they were received.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    platform = models.CharField(max_length=16)
    language = models.CharField(max_length=2, blank=True)
    signals = models.PositiveBigIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0)
    engagement = models.PositiveBigIntegerField(default=0)
    with_sentiment = models.PositiveBigIntegerField(default=0)
    negative = models.PositiveBigIntegerField(default=0)
    first_observed_at = models.DateTimeField()
    last_observed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "hour", "platform", "language"], name="signal_tally_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.hour:%Y-%m-%d %H}h {self.platform}: {self.signals}"


class SignalAuthorTally(models.Model):
    """An author's signals and reach within an incident (authors that are not empty)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    author = models.CharField(max_length=HANDLE_MAX_LENGTH)
    signals = models.PositiveBigIntegerField(default=0)
    reach = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "author"], name="signal_author_tally_key")
        ]
        indexes = [
            models.Index(
                F("incident"), F("signals").desc(), F("reach").desc(), F("author"),
                name="signal_author_tally_top",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.incident_id} {self.author}: {self.signals}"


class SignalClusterTally(models.Model):
    """A text cluster within an incident: its signals, when they were observed (which the
    ingestion reads to find the incident holding copies of a text), and the signals by
    authors that are not empty with their smallest and largest author (they differ when two
    authors or more posted the text)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey(SignalCluster, on_delete=models.CASCADE, related_name="+")
    all_signals = models.PositiveBigIntegerField(default=0)
    first_observed_at = models.DateTimeField()
    last_observed_at = models.DateTimeField()
    signals = models.PositiveBigIntegerField(default=0)
    # NULL while no signal of the text has an author: the upserts' LEAST/GREATEST skip it.
    low_author = models.CharField(max_length=HANDLE_MAX_LENGTH, null=True)  # noqa: DJ001
    high_author = models.CharField(max_length=HANDLE_MAX_LENGTH, null=True)  # noqa: DJ001

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "cluster"], name="signal_cluster_tally_key")
        ]
        indexes = [models.Index(fields=["cluster", "last_observed_at"], name="signal_cluster_span")]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.cluster_id}: {self.all_signals}"
