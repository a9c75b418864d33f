"""Writes: taking in a batch of signals, deduplicated and grouped into incidents.

One batch is one transaction: every signal is stored, or none. Unique constraints decide what
is a duplicate — also between two batches at the same moment — and row locks on the clusters
and topics a batch touches make two batches bringing the same new story open one incident.
The queries are a fixed number per batch, plus a fixed number per incident touched and per
incident opened, whatever the number of signals.
"""

import logging
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crisis_api.errors import InvalidInput, ProblemError
from crisis_api.events.services import NewEvent, events_append
from crisis_api.fields import single_line
from crisis_api.rollups import (
    add_to,
    insert_ignoring,
    insert_new,
    one_of,
    rollup_add,
    text_array,
)
from incidents.models import Channel, Incident, Status
from incidents.monitoring import text
from incidents.monitoring.models import (
    Signal,
    SignalAuthorTally,
    SignalCluster,
    SignalClusterBand,
    SignalClusterTally,
    SignalTally,
    SignalTopic,
)
from incidents.selectors import incidents_visible_to
from incidents.services import incidents_create_many

logger = logging.getLogger(__name__)
OPEN_STATUSES = (Status.DETECTED, Status.ASSESSED, Status.RESPONDING)
TITLE_EXCERPT = 120
# Clusters checked exactly per new text, those sharing the most MinHash bands with it.
CANDIDATES = 20
ATTEMPTS = 5
# The fields of one signal a caller gives (the API's input serializer produces them).
SIGNAL_FIELDS = (
    "platform", "observed_at", "content", "url", "external_id", "author", "language",
    "sentiment", "reach", "engagement", "group_key", "incident", "raw",
)  # fmt: skip


# The columns of a stored signal, in the order they are inserted.
SIGNAL_COLUMNS = (
    "id", "incident", "platform", "observed_at", "content", "url", "url_key", "external_id",
    "author", "language", "sentiment", "reach", "engagement", "group_key", "raw", "cluster",
    "received_at", "received_from",
)  # fmt: skip


class IngestionBusy(ProblemError):
    status_code = 503
    code = "busy"


class _LostRace(Exception):
    """A concurrent batch stored one of our signals first: roll back and start again."""


@dataclass
class _Item:
    index: int
    values: dict[str, Any]
    url_key: str = ""
    normal: str = ""
    fingerprint: str = ""
    shingles: frozenset = frozenset()
    cluster_id: int | None = None
    duplicate_of: int | None = None  # index of an earlier item of the batch
    stored: dict | None = None  # the stored signal this one duplicates
    target: Any = None  # an Incident or a _NewIncident
    signal_id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def observed_at(self) -> datetime:
        return self.values["observed_at"]


@dataclass
class _NewIncident:
    first: _Item
    channels: list[str] = field(default_factory=list)
    group_key: str = ""
    incident: Incident | None = None


@dataclass
class SignalResult:
    index: int
    status: str  # created or duplicate
    signal: uuid.UUID
    incident: uuid.UUID | None
    reference: str | None


@dataclass
class IngestionReport:
    results: list[SignalResult]
    incidents_opened: int

    @property
    def received(self) -> int:
        return len(self.results)

    @property
    def created(self) -> int:
        return sum(result.status == "created" for result in self.results)

    @property
    def duplicates(self) -> int:
        return self.received - self.created


def signals_ingest(*, actor, signals: list[dict[str, Any]]) -> IngestionReport:
    """Store a batch of signals (all or none), skip duplicates, group the rest into incidents.

    `signals` are dicts of SIGNAL_FIELDS (`incident`: an Incident the caller may see, or None).
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _ingest(actor, signals)
        except _LostRace:
            logger.info("Signal batch lost a race to a concurrent batch (attempt %d).", attempt)
        except OperationalError as exc:  # PostgreSQL broke a deadlock: one side starts again
            if getattr(exc.__cause__, "sqlstate", None) != "40P01":
                raise
            logger.info("Signal batch deadlocked with another (attempt %d).", attempt)
        time.sleep(random.uniform(0, 0.05 * attempt))  # let the winner commit
    raise IngestionBusy(
        _("Other batches kept storing the same signals at the same moment; send this one again.")
    )


def _ingest(actor, signals) -> IngestionReport:
    items = [_Item(index=i, values=values) for i, values in enumerate(signals)]
    for item in items:
        item.url_key = text.url_key(item.values.get("url") or "")
        item.normal = text.normalised(item.values["content"])
        if item.normal:
            item.fingerprint = text.fingerprint(item.normal)
            item.shingles = text.bigrams(item.normal)
    _find_duplicates(items)
    new = [item for item in items if item.duplicate_of is None and item.stored is None]
    _assign_clusters(new)
    topics = _lock_topics(new)
    _assign_incidents(new, topics)
    _lock_incidents(new)
    opened = _open_incidents(actor, new)
    new = _store(actor, new)
    _attach(actor, new, opened)
    _tally(new)
    return IngestionReport(results=_results(actor, items), incidents_opened=len(opened))


def _find_duplicates(items: list[_Item]) -> None:
    """Mark the items already stored, or given earlier in this batch (one query)."""
    by_external: dict[tuple[str, str], _Item] = {}
    by_url: dict[str, _Item] = {}
    externals: dict[str, set[str]] = defaultdict(set)  # platform -> external ids
    for item in items:
        external = item.values.get("external_id") or ""
        keys = []
        if external:
            keys.append((by_external, (item.values["platform"], external)))
            externals[item.values["platform"]].add(external)
        if item.url_key:
            keys.append((by_url, item.url_key))
        earlier = next((seen[key] for seen, key in keys if key in seen), None)
        if earlier is not None:
            item.duplicate_of = earlier.index
        for seen, key in keys:
            seen.setdefault(key, item)
    urls = sorted({item.url_key for item in items if item.url_key})
    stored = _stored_signals(externals, urls)
    stored_external = {(s["platform"], s["external_id"]): s for s in stored if s["external_id"]}
    stored_url = {s["url_key"]: s for s in stored if s["url_key"]}
    for item in items:
        if item.duplicate_of is not None:
            continue
        key = (item.values["platform"], item.values.get("external_id") or "")
        item.stored = stored_external.get(key) or stored_url.get(item.url_key)


_STORED_FIELDS = ("id", "platform", "external_id", "url_key", "incident_id", "incident__reference")


def _stored_signals(externals: dict[str, set[str]], urls: list[str]) -> list[dict]:
    """The stored signals with one of these platforms' external ids or one of these URL keys
    (one query)."""
    if connection.vendor != "postgresql":
        # One IN list per platform (at most 13 terms): the planner keeps to the unique indexes.
        wanted = Q(pk__in=[])
        for platform, ids in externals.items():
            wanted |= Q(platform=platform, external_id__in=sorted(ids))
        if urls:
            wanted |= Q(url_key__in=urls)
        return list(Signal.objects.filter(wanted).order_by().values(*_STORED_FIELDS))
    # PostgreSQL: the pairs and the URL keys as arrays, each half semi-joined to its unique
    # index (its partial condition written out). The OR of an IN list per platform took the
    # planner 17 ms a batch (proving each list against the partial indexes), and without
    # statistics a scan of every signal.
    pairs = sorted((platform, external) for platform, ids in externals.items() for external in ids)
    platforms = [platform for platform, _external in pairs]
    ids = [external for _platform, external in pairs]
    params = [
        text_array(platforms) or platforms, text_array(ids) or ids, text_array(urls) or urls
    ]  # fmt: skip
    quote = connection.ops.quote_name
    signal, incident = quote(Signal._meta.db_table), quote(Incident._meta.db_table)
    columns = "s.id, s.platform, s.external_id, s.url_key, s.incident_id"
    statement = (
        f"SELECT s.*, i.reference FROM ("
        f"SELECT {columns} FROM {signal} s WHERE s.external_id <> '' AND "
        f"(s.platform, s.external_id) IN (SELECT * FROM UNNEST(%s::varchar[], %s::varchar[])) "
        f"UNION SELECT {columns} FROM {signal} s WHERE s.url_key <> '' AND "
        f"s.url_key IN (SELECT UNNEST(%s::varchar[]))"
        f") s JOIN {incident} i ON i.id = s.incident_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return [dict(zip(_STORED_FIELDS, row, strict=True)) for row in cursor.fetchall()]


def _assign_clusters(items: list[_Item]) -> None:
    """Put each item in the cluster of its first earlier near-identical text, or a new one.

    Exact copies by fingerprint, edited copies through the MinHash band index; candidates are
    checked exactly. Clusters are locked (in id order) so that concurrent batches about the
    same story are grouped one after the other.
    """
    items = [item for item in items if item.fingerprint]
    if not items:
        return
    fingerprints = {item.fingerprint for item in items}
    known = dict(
        SignalCluster.objects.filter(fingerprint__in=one_of(fingerprints, "text")).values_list(
            "fingerprint", "pk"
        )
    )
    unknown = [item for item in items if item.fingerprint not in known and item.shingles]
    item_bands = dict(
        zip(
            [item.index for item in unknown],
            text.bands_many([item.shingles for item in unknown]),
            strict=True,
        )
    )
    all_bands = {band for bands in item_bands.values() for band in bands}
    # Band key -> the stored clusters and the clusters this batch seeds that hold it.
    by_band: dict[int, list] = defaultdict(list)
    shingles: dict = {}  # cluster id or seeded fingerprint -> its bigrams
    if all_bands:
        rows = SignalClusterBand.objects.filter(band__in=one_of(all_bands, "bigint")).values_list(
            "cluster_id", "band", "cluster__normalised"
        )
        for cluster_id, band, normal in rows:
            by_band[band].append(cluster_id)
            if cluster_id not in shingles:
                shingles[cluster_id] = text.bigrams(normal)
    seeded: dict[str, list[int]] = {}  # fingerprint -> bands, of the clusters this batch seeds
    chosen: dict[int, str | int] = {}  # item index -> existing cluster id or seeded fingerprint
    for item in items:
        if item.fingerprint in known:
            chosen[item.index] = known[item.fingerprint]
            continue
        if item.fingerprint in seeded:
            chosen[item.index] = item.fingerprint
            continue
        bands = item_bands.get(item.index, [])
        match = _first_match(item, bands, by_band, shingles, seeded)
        if match is None:
            match = item.fingerprint
            seeded[match] = bands
            shingles[match] = item.shingles
            for band in bands:
                by_band[band].append(match)
        chosen[item.index] = match
    if seeded:
        normals = {item.fingerprint: item.normal for item in items}
        now = timezone.now()
        # In a fixed order: two batches inserting the same new texts wait, never deadlock.
        insert_ignoring(
            SignalCluster,
            [
                {"fingerprint": fp, "normalised": normals[fp], "created_at": now}
                for fp in sorted(seeded)
            ],
            ("fingerprint", "normalised", "created_at"),
        )
    stored_ids = [v for v in chosen.values() if isinstance(v, int)]
    locked = {}
    if seeded or stored_ids:
        wanted = _clusters(seeded, stored_ids)
        locked = dict(
            SignalCluster.objects.select_for_update()
            .filter(wanted)
            .order_by("pk")
            .values_list("fingerprint", "pk")
        )
    pairs = sorted((band, locked[fp]) for fp, bands in seeded.items() for band in bands)
    insert_ignoring(
        SignalClusterBand,
        [{"band": band, "cluster": cluster} for band, cluster in pairs],
        ("cluster", "band"),
    )
    for item in items:
        value = chosen[item.index]
        item.cluster_id = value if isinstance(value, int) else locked[value]


def _clusters(fingerprints, ids) -> Q:
    """The clusters with one of these fingerprints or ids.

    On PostgreSQL the ids of both as one subquery: an OR of the two had the planner filter
    every cluster (a scan of the primary key, 26 ms at 50,000 clusters)."""
    by_fingerprint, by_id = one_of(fingerprints, "text"), one_of(ids, "bigint")
    if connection.vendor != "postgresql":
        return Q(fingerprint__in=by_fingerprint) | Q(pk__in=by_id)
    table = connection.ops.quote_name(SignalCluster._meta.db_table)
    either = RawSQL(
        f"SELECT id FROM {table} WHERE fingerprint IN ({by_fingerprint.sql}) UNION ALL {by_id.sql}",
        (*by_fingerprint.params, *by_id.params),
    )
    return Q(pk__in=either)


def _first_match(item: _Item, bands, by_band, shingles, seeded):
    """The first (stored before seeded, then oldest) cluster near-identical to the item, among
    the CANDIDATES clusters sharing most of its bands: the work per text is bounded."""
    shared = Counter(cluster for band in set(bands) for cluster in by_band.get(band, ()))
    if not shared:
        return None
    likely = sorted(shared, key=lambda c: (-shared[c], isinstance(c, str), str(c)))[:CANDIDATES]
    matches = [c for c in likely if text.near_identical(shingles[c], item.shingles)]
    if not matches:
        return None
    stored = [c for c in matches if isinstance(c, int)]
    if stored:
        return min(stored)
    order = {fp: i for i, fp in enumerate(seeded)}  # seeded in batch order
    return min(matches, key=order.__getitem__)


def _lock_topics(items: list[_Item]) -> dict[str, Incident | None]:
    """The incident each group key feeds now, with the keys' rows locked (created if new)."""
    keys = sorted({item.values["group_key"] for item in items if item.values.get("group_key")})
    if not keys:
        return {}
    SignalTopic.objects.bulk_create([SignalTopic(key=key) for key in keys], ignore_conflicts=True)
    rows = (
        SignalTopic.objects.select_for_update(of=("self",))
        .select_related("incident")
        .filter(key__in=keys)
        .order_by("key")
    )
    return {row.key: row.incident for row in rows}


def _lock_incidents(items: list[_Item]) -> None:
    """Lock the stored incidents the items go to (in id order), and refuse a named incident
    that has closed for good."""
    pks = {_key(item.target) for item in items if not isinstance(item.target, _NewIncident)}
    if not pks:
        return
    locked = {
        incident.pk: incident
        for incident in Incident.objects.select_for_update()
        .filter(pk__in=pks)
        .order_by("pk")
        .only("pk", "status", "reference", "channels")
    }
    errors = {}
    for item in items:
        if isinstance(item.target, _NewIncident):
            continue
        item.target = locked[_key(item.target)]
        if item.values.get("incident") is not None and item.target.status == Status.REVIEWED:
            errors[f"signals.{item.index}.incident"] = [str(CLOSED_FOR_SIGNALS)]
    if errors:
        raise InvalidInput(errors)


def _key(target) -> Any:
    """How a target is told apart: an incident's id, or the identity of one to open."""
    if isinstance(target, Incident):
        return target.pk
    if isinstance(target, _NewIncident):
        return id(target)
    return target  # the id of a stored incident


CLOSED_FOR_SIGNALS = gettext_lazy(
    "This incident is reviewed (closed for good); leave out `incident` to group the signal, "
    "or name an open one."
)


def _assign_incidents(items: list[_Item], topics: dict[str, Incident | None]) -> None:
    """Pick each new signal's incident: named, else its topic's, else its copies', else new."""
    window = timedelta(hours=settings.SIGNAL_NEAR_DUPLICATE_HOURS)
    clustered = [item for item in items if item.cluster_id is not None]
    # (cluster, incident) -> [first, last] observed, for open incidents holding the cluster.
    holdings: dict[int, dict[Any, list[datetime]]] = defaultdict(dict)
    if clustered:
        start = min(item.observed_at for item in clustered) - window
        end = max(item.observed_at for item in clustered) + window
        # The span of each text in each open incident, from the cluster tallies (a row per
        # text and incident, not a scan of the signals).
        rows = SignalClusterTally.objects.filter(
            cluster_id__in={item.cluster_id for item in clustered},
            last_observed_at__gte=start,
            first_observed_at__lte=end,
            incident__status__in=OPEN_STATUSES,
        ).values_list("cluster_id", "incident_id", "first_observed_at", "last_observed_at")
        for cluster_id, incident_id, first, last in rows:
            holdings[cluster_id][incident_id] = [first, last]
    incidents: dict[Any, Any] = {}  # incident id (or _NewIncident) -> object
    current = {key: incident for key, incident in topics.items() if _open(incident)}
    bound = {}  # group keys without an open incident, now fed by the incident a signal names
    for item in items:
        key = item.values.get("group_key") or ""
        if item.values.get("incident") is not None:
            target = item.values["incident"]
            if key and key not in current:
                current[key] = bound[key] = target
        elif key:
            target = current.get(key)
            if target is None:
                target = current[key] = _NewIncident(first=item, group_key=key)
        else:
            target = _near_identical_incident(item, holdings, window, incidents)
            if target is None:
                target = _NewIncident(first=item)
        item.target = target
        target_key = _key(target)
        incidents[target_key] = target
        if item.cluster_id is not None:
            span = holdings[item.cluster_id].setdefault(
                target_key, [item.observed_at, item.observed_at]
            )
            span[0] = min(span[0], item.observed_at)
            span[1] = max(span[1], item.observed_at)
    for key, incident in bound.items():  # the key's next signals go there too
        SignalTopic.objects.filter(key=key).update(incident=incident)


def _open(incident: Incident | None) -> bool:
    return incident is not None and incident.status in OPEN_STATUSES


def _near_identical_incident(item: _Item, holdings, window, incidents):
    """The open incident holding a copy of this text observed within the window of it.

    Before or after: tools deliver out of order, and a copy observed a minute before the one
    stored is the same story.
    """
    if item.cluster_id is None:
        return None
    moment = item.observed_at
    spans = [
        (last, key)
        for key, (first, last) in holdings[item.cluster_id].items()
        if first <= moment + window and last >= moment - window
    ]
    if not spans:
        return None
    _last, key = max(spans, key=lambda span: span[0])
    return incidents.get(key, key)  # one this batch named or opens, or a stored incident's id


def _open_incidents(actor, items: list[_Item]) -> list[_NewIncident]:
    """Create the incidents this batch opens (and point their topics at them)."""
    opened: dict[int, _NewIncident] = {}
    for item in items:
        if isinstance(item.target, _NewIncident):
            new = opened.setdefault(id(item.target), item.target)
            if item.values["platform"] not in new.channels:
                new.channels.append(item.values["platform"])
    if not opened:
        return []
    detected: dict[int, datetime] = {}
    for item in items:
        if isinstance(item.target, _NewIncident):
            key = id(item.target)
            detected[key] = min(detected.get(key, item.observed_at), item.observed_at)
    created = incidents_create_many(
        actor=actor,
        incidents=[
            {
                "title": _title(new.first.values["content"], new.first.values["platform"]),
                "summary": new.first.values["content"],
                "channels": new.channels,
                "detected_at": detected[key],
            }
            for key, new in opened.items()
        ],
    )
    for new, incident in zip(opened.values(), created, strict=True):
        new.incident = incident
        if new.group_key:
            SignalTopic.objects.filter(key=new.group_key).update(incident=new.incident)
    return list(opened.values())


def _title(content: str, platform: str) -> str:
    line = single_line(content)  # a title is one line: no control or direction characters
    if len(line) > TITLE_EXCERPT:
        line = line[: TITLE_EXCERPT - 1].rstrip() + "…"
    return _("%(platform)s: %(excerpt)s") % {"platform": Channel(platform).label, "excerpt": line}


def _incident_of(item: _Item) -> Any:
    target = item.target
    return target.incident if isinstance(target, _NewIncident) else target


def _store(actor, items: list[_Item]) -> list[_Item]:
    """Insert the new signals; the unique constraints decide. A row a concurrent batch stored
    first (the insert waited for it to commit) turns into a duplicate of that row; the items
    actually stored are returned."""
    now = timezone.now()
    rows = []
    for item in items:
        values = item.values
        rows.append(
            {
                "id": item.signal_id,
                "incident": _incident_of(item).pk,
                "platform": values["platform"],
                "observed_at": values["observed_at"],
                "content": values["content"],
                "url": values.get("url") or "",
                "url_key": item.url_key,
                "external_id": values.get("external_id") or "",
                "author": values.get("author") or "",
                "language": values.get("language") or "",
                "sentiment": values.get("sentiment"),
                "reach": values.get("reach"),
                "engagement": values.get("engagement"),
                "group_key": values.get("group_key") or "",
                "raw": values.get("raw") or {},
                "cluster": item.cluster_id,
                "received_at": now,
                "received_from": actor.pk,
            }
        )
    if not rows:
        return []
    # In a fixed order, so that two batches carrying the same posts wait rather than deadlock.
    rows.sort(key=lambda row: (row["platform"], row["external_id"], row["url_key"]))
    if connection.vendor == "postgresql":  # one INSERT … ON CONFLICT DO NOTHING RETURNING id
        stored = set(insert_new(Signal, rows, SIGNAL_COLUMNS))
    else:
        fields = [Signal._meta.get_field(name) for name in SIGNAL_COLUMNS]
        objects = [Signal(**{f.attname: row[f.name] for f in fields}) for row in rows]
        Signal.objects.bulk_create(objects, ignore_conflicts=True, batch_size=500)
        stored = set(
            Signal.objects.filter(pk__in=[row["id"] for row in rows]).values_list("pk", flat=True)
        )
    if len(stored) == len(rows):
        return items
    lost = [item for item in items if item.signal_id not in stored]
    _find_duplicates(lost)  # now committed: the rows that won are visible
    if any(item.stored is None for item in lost):
        raise _LostRace  # not explained by a duplicate: start again
    kept = [item for item in items if item.signal_id in stored]
    opened = {id(item.target) for item in kept if isinstance(item.target, _NewIncident)}
    if any(isinstance(i.target, _NewIncident) and id(i.target) not in opened for i in lost):
        raise _LostRace  # an incident opened for posts that were all duplicates: start again
    return kept


def _attach(actor, items: list[_Item], opened: list[_NewIncident]) -> None:
    """Add the platforms to each incident's channels and log one `signals.attached` per
    incident (the incident's version is unchanged: signals are not an edit)."""
    by_incident: dict[Any, list[_Item]] = defaultdict(list)
    for item in items:
        by_incident[_incident_of(item).pk].append(item)
    if not by_incident:
        return
    just_opened = {new.incident.pk for new in opened}
    incidents = {_incident_of(item).pk: _incident_of(item) for item in items}
    events = []
    for pk in sorted(by_incident, key=str):
        incident = incidents[pk]
        attached = by_incident[pk]
        changes = {}
        if pk not in just_opened:
            channels = list(incident.channels)
            for item in attached:
                if item.values["platform"] not in channels:
                    channels.append(item.values["platform"])
            if channels != incident.channels:
                changes = {"channels": {"from": incident.channels, "to": channels}}
                Incident.objects.filter(pk=pk).update(channels=channels)
        events.append(
            NewEvent(
                stream=incident.stream,
                action="signals.attached",
                actor=actor,
                changes=changes,
                data={"count": len(attached), "signals": [str(i.signal_id) for i in attached]},
            )
        )
    events_append(events)


def _tally(items: list[_Item]) -> None:
    """Add the stored signals to their incidents' tallies, which the summary reads (three
    upserts, whatever the number of signals), and to each incident's totals, which the team's
    figures read."""
    below = settings.ASSESSMENT_SUGGESTION["negative_sentiment_below"]
    hours: dict[tuple, dict] = {}
    authors: dict[tuple, dict] = {}
    clusters: dict[tuple, dict] = {}
    totals: dict = {}
    for item in items:
        values, incident = item.values, _incident_of(item).pk
        total = totals.setdefault(incident, {"pk": incident, "signal_count": 0, "signal_reach": 0})
        total["signal_count"] += 1
        total["signal_reach"] += values.get("reach") or 0
        at = item.observed_at.astimezone(UTC)
        hour = at.replace(minute=0, second=0, microsecond=0)
        language = values.get("language") or ""
        row = hours.setdefault(
            (incident, hour, values["platform"], language),
            {"incident": incident, "hour": hour, "platform": values["platform"],
             "language": language, "signals": 0, "reach": 0, "engagement": 0,
             "with_sentiment": 0, "negative": 0, "first_observed_at": at,
             "last_observed_at": at},
        )  # fmt: skip
        row["signals"] += 1
        row["reach"] += values.get("reach") or 0
        row["engagement"] += values.get("engagement") or 0
        if values.get("sentiment") is not None:
            row["with_sentiment"] += 1
            row["negative"] += values["sentiment"] < below
        row["first_observed_at"] = min(row["first_observed_at"], at)
        row["last_observed_at"] = max(row["last_observed_at"], at)
        author = values.get("author") or ""
        if item.cluster_id is not None:
            copy = clusters.setdefault(
                (incident, item.cluster_id),
                {"incident": incident, "cluster": item.cluster_id, "all_signals": 0,
                 "first_observed_at": at, "last_observed_at": at, "signals": 0,
                 "low_author": None, "high_author": None},
            )  # fmt: skip
            copy["all_signals"] += 1
            copy["first_observed_at"] = min(copy["first_observed_at"], at)
            copy["last_observed_at"] = max(copy["last_observed_at"], at)
            if author:
                copy["signals"] += 1
                copy["low_author"] = min(copy["low_author"] or author, author)
                copy["high_author"] = max(copy["high_author"] or author, author)
        if author:
            tally = authors.setdefault(
                (incident, author),
                {"incident": incident, "author": author, "signals": 0, "reach": 0},
            )
            tally["signals"] += 1
            tally["reach"] += values.get("reach") or 0
    rollup_add(
        SignalTally,
        hours.values(),
        keys=("incident", "hour", "platform", "language"),
        add=("signals", "reach", "engagement", "with_sentiment", "negative"),
        least=("first_observed_at",),
        greatest=("last_observed_at",),
    )
    add_to(Incident, totals.values(), add=("signal_count", "signal_reach"))
    rollup_add(
        SignalAuthorTally, authors.values(), keys=("incident", "author"), add=("signals", "reach")
    )
    rollup_add(
        SignalClusterTally,
        clusters.values(),
        keys=("incident", "cluster"),
        add=("all_signals", "signals"),
        least=("first_observed_at", "low_author"),
        greatest=("last_observed_at", "high_author"),
    )


def _results(actor, items: list[_Item]) -> list[SignalResult]:
    """What the caller learns: its signals' ids, and the incidents it fed that it may see.

    A signal grouped into (or a duplicate held by) a confidential incident the caller may not
    see names no incident: the evidence goes where it belongs, and its existence stays hidden.
    """
    named = {item.stored["incident_id"] for item in items if item.stored}
    named |= {_incident_of(item).pk for item in items if item.target is not None}
    visible = set(incidents_visible_to(actor).filter(pk__in=named).values_list("pk", flat=True))
    results: list[SignalResult] = []
    for item in items:
        if item.duplicate_of is not None:
            earlier = results[item.duplicate_of]
            results.append(
                SignalResult(item.index, "duplicate", earlier.signal, earlier.incident,
                             earlier.reference)
            )  # fmt: skip
            continue
        if item.stored is not None:
            status, signal = "duplicate", item.stored["id"]
            incident, reference = item.stored["incident_id"], item.stored["incident__reference"]
        else:
            held = _incident_of(item)
            status, signal, incident, reference = "created", item.signal_id, held.pk, held.reference
        if incident not in visible:
            incident = reference = None
        results.append(SignalResult(item.index, status, signal, incident, reference))
    return results
