"""The service against the framework's floor, side by side: four ratios of requests per second.

    make bench-floor                     # PostgreSQL database crisis_floor (dropped and created
                                         # again), Redis on 127.0.0.1:6379, ports 8061 (the
                                         # service) and 8062 (the floor)
    BENCH_QUICK=1 make bench-floor       # one short round per pair (or: run.py --quick)
    BENCH_ROUNDS=5 BENCH_SECONDS=20 make bench-floor   # more and longer rounds

The floor (bench/floor/floorapp) is bare DRF over the service's own models and database: no
authentication, permissions or throttles, startproject's middleware, one plain
ModelSerializer(fields="__all__") of Incident. The runner seeds a realistic database (a few
thousand incidents in every state, users in every role, a responder's token), starts gunicorn
for each (2 sync workers, debug off; the service with its Redis cache and its throttles raised
out of the way, still counting), and runs wrk in alternating rounds (floor, service, floor,
service…) after a warm-up, for four pairs:

    list        GET /api/v1/incidents/?page_size=50        vs a ListAPIView of 50
    detail      GET /api/v1/incidents/{id}/                vs a RetrieveAPIView
    create      POST /api/v1/incidents/ (create.lua)       vs a CreateAPIView
    transition  POST …/{id}/resolve/ and …/reopen/ in turn vs a PATCH of one field
                (transition.lua, with If-Match)               (update.lua)

It prints each side's requests/s (the median of the rounds), the ratio, the goal and PASS or
MISS, and says loudly when any request of either side got an answer other than 2xx. Nothing
here runs in CI.
"""

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
QUICK = "--quick" in sys.argv[1:] or os.environ.get("BENCH_QUICK", "") not in ("", "0")
DB_NAME = os.environ.get("BENCH_DB", "crisis_floor")
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/0")
CACHE_PREFIX = os.environ.get("BENCH_CACHE_PREFIX", "floor")
SERVICE_PORT = int(os.environ.get("BENCH_PORT", "8061"))
FLOOR_PORT = SERVICE_PORT + 1
# The checkout whose service is measured (default: this one); another one gives a before/after
# comparison against the same floor, e.g. `git worktree add /tmp/before HEAD~3`.
SERVICE_ROOT = Path(os.environ.get("BENCH_SERVICE_ROOT", ROOT)).resolve()
WORKERS = 2
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "2"))  # also wrk's threads (see .lua)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "1" if QUICK else "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "3" if QUICK else "10"))
WARMUP_SECONDS = 1 if QUICK else 3
INCIDENTS = int(os.environ.get("BENCH_INCIDENTS", "1500" if QUICK else "4000"))
POOL = 100  # incidents the transitions and the floor's updates go round
PAGE = 50
GOALS = {"list": 0.5, "detail": 0.5, "create": 0.4, "transition": 0.3}

os.environ["DATABASE_URL"] = DB_URL
os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
os.environ["CACHE_URL"] = CACHE_URL
os.environ["CACHE_KEY_PREFIX"] = CACHE_PREFIX
sys.path.insert(0, str(ROOT))


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c", sql],
        check=True,
        capture_output=True,
    )


def fresh_database() -> None:
    psql(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB_NAME}"')
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--no-input", "-v0"],
        check=True,
        env={**os.environ, "DJANGO_DEBUG": "1"},
    )


# --- Seed ----------------------------------------------------------------------------------------


def seed(count: int) -> dict:
    """Users in every role, `count` incidents in every state (each with its created event) and a
    responder's token."""
    import random

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from crisis_api.auth.roles import user_set_role
    from crisis_api.auth.tokens import api_token_issue
    from crisis_api.events.services import NewEvent, events_append
    from incidents.deadlines.rules import derived_values
    from incidents.models import (
        Category,
        Channel,
        Incident,
        IncidentReview,
        ReferenceCounter,
        Resolution,
        Scope,
        Severity,
        SeverityPolicy,
        Status,
    )

    rng = random.Random(10)
    User = get_user_model()
    users: dict[str, list] = {}
    for role, how_many in (("manager", 5), ("responder", 25), ("viewer", 15), ("monitor", 5)):
        for n in range(how_many):
            user = User.objects.create(username=f"{role}{n}")
            user_set_role(user=user, role=role)
            users.setdefault(role, []).append(user)
    bench_user = users["responder"][0]
    _token, secret = api_token_issue(user=bench_user, name="bench-floor")
    people = users["responder"] + users["manager"]

    policies = {p.severity: p for p in SeverityPolicy.objects.all()}
    now = timezone.now()
    year = now.year - 1  # the seeded references are last year's; new ones start at 0001
    states = [
        (Status.DETECTED, 0.12),
        (Status.ASSESSED, 0.12),
        (Status.RESPONDING, 0.16),
        (Status.RESOLVED, 0.30),
        (Status.REVIEWED, 0.30),
    ]
    incidents, participants, reviews = [], [], []
    for n in range(1, count + 1):
        status = rng.choices([s for s, _w in states], [w for _s, w in states])[0]
        created = now - timedelta(minutes=rng.randint(10, 60 * 24 * 90))
        incident = Incident(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            reference=f"CR-{year}-{n:04d}",
            title=f"Seeded crisis {n}: " + rng.choice(["viral post", "data leak", "fake review"]),
            summary="A post went viral; screenshots are spreading. " * rng.randint(0, 3),
            category=rng.choice(Category.values),
            channels=rng.sample(Channel.values, rng.randint(0, 3)),
            status=status,
            created_by=rng.choice(users["responder"] + users["monitor"]),
            is_confidential=rng.random() < 0.1,
            detected_at=created - timedelta(minutes=rng.randint(0, 120)),
            created_at=created,
            updated_at=created,
            version=1,
        )
        steps = [Status.ASSESSED, Status.RESPONDING, Status.RESOLVED, Status.REVIEWED]
        reached = steps[: steps.index(status) + 1] if status in steps else []
        at = created
        dismissed = status in (Status.RESOLVED, Status.REVIEWED) and rng.random() < 0.3
        if reached and not (dismissed and rng.random() < 0.5):
            at += timedelta(minutes=rng.randint(5, 120))
            incident.severity = rng.choice(Severity.values)
            incident.scope = rng.choice(Scope.values)
            incident.estimated_reach = rng.randint(100, 2_000_000)
            incident.impact = ["reputation"]
            incident.rationale = "Shared by large accounts."
            incident.assessed_at = at
            policy = policies[incident.severity]
            incident.response_due_at = at + policy.response_window
            incident.resolution_due_at = at + policy.resolution_window
            incident.version += 1
        if Status.RESPONDING in reached and not dismissed:
            at += timedelta(minutes=rng.randint(5, 600))
            incident.owner = rng.choice(people)
            incident.response_started_at = incident.first_response_at = at
            incident.version += 1
        if Status.RESOLVED in reached:
            at += timedelta(minutes=rng.randint(30, 3000))
            incident.resolution = Resolution.DISMISSED if dismissed else Resolution.RESOLVED
            incident.resolution_summary = "Apology posted; the thread calmed down."
            incident.resolved_at = at
            incident.version += 1
        if Status.REVIEWED in reached:
            at += timedelta(minutes=rng.randint(60, 6000))
            incident.reviewed_at = at
            incident.version += 1
            reviews.append(
                IncidentReview(
                    incident=incident,
                    summary="What happened.",
                    root_cause="A policy change without an FAQ.",
                    what_went_well="A fast first answer.",
                    what_went_wrong="Two teams, two answers.",
                    lessons_learned="Brief support first.",
                    follow_up_actions=["Write the FAQ"],
                    reviewed_by=rng.choice(users["manager"]),
                    created_at=at,
                )
            )
        incident.updated_at = min(at, now)
        for name, value in derived_values(incident).items():
            setattr(incident, name, value)
        incidents.append(incident)
        for user in rng.sample(people, rng.choice([0, 0, 1, 2, 3])):
            participants.append(Incident.participants.through(incident=incident, user=user))

    with transaction.atomic():
        Incident.objects.bulk_create(incidents, batch_size=500)
        Incident.participants.through.objects.bulk_create(participants, batch_size=1000)
        IncidentReview.objects.bulk_create(reviews, batch_size=500)
        ReferenceCounter.objects.create(year=year, last_number=count)
        for start in range(0, len(incidents), 500):
            events_append(
                [
                    NewEvent(
                        stream=incident.stream,
                        action="incident.created",
                        actor=incident.created_by,
                        to_status=incident.status,
                    )
                    for incident in incidents[start : start + 500]
                ]
            )

    visible = [i for i in incidents if not i.is_confidential]
    responding = [i for i in visible if i.status == Status.RESPONDING and i.assessed_at]
    if len(responding) < POOL:
        raise SystemExit(f"Only {len(responding)} responding incidents: seed more.")
    detail = responding[0]
    return {
        "token": secret,
        "creator_id": bench_user.pk,
        "detail_id": str(detail.pk),
        # Resolved and reopened in turn by the benchmark (their events chain on the seeded ones).
        "transition_pool": [i.pk for i in responding[:POOL]],
        "update_pool": [str(i.pk) for i in visible[-POOL:]],
    }


def write_transition_pool(path: Path, pool: list) -> None:
    """The pool as it is now in the database (a round may end between a write and its answer)."""
    from incidents.models import Incident

    rows = (
        Incident.objects.filter(pk__in=pool).order_by("pk").values_list("pk", "version", "status")
    )
    path.write_text("".join(f"{pk} {version} {status}\n" for pk, version, status in rows))


# --- Servers -------------------------------------------------------------------------------------


def serve(servers: list, port: int, app: str, extra_env: dict, root: Path = ROOT) -> None:
    """Start gunicorn for `app` on `port`, added to `servers` at once; return when it answers."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + uuid.uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        **extra_env,
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    command = [
        gunicorn, app, "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
        "--worker-class", "sync", "--pythonpath", f"{root},{HERE}", "--log-level", "warning",
    ]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    servers.append(server)
    import http.client

    for _ in range(600):  # a minute: workers boot slowly on a busy machine
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz" if app == "config.wsgi" else "/floor/incidents/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"gunicorn ({app}) did not start on port {port}")


# --- wrk -----------------------------------------------------------------------------------------


def wrk(url: str, seconds: int, *, headers=(), script: str | None = None, args=()) -> dict:
    command = [shutil.which("wrk") or "wrk", "-t", str(CONNECTIONS), "-c", str(CONNECTIONS)]
    command += ["-d", f"{seconds}s", "--latency", "--timeout", "30s"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", str(HERE / script)]
    command.append(url)
    if args:
        command += ["--", *args]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket = re.search(r"Socket errors: (.*)", out)
    p50 = re.search(r"50%\s+(\S+)", out)
    return {
        "rps": rps,
        "requests": total,
        "errors": int(non_2xx.group(1)) if non_2xx else 0,
        "socket": socket.group(1) if socket else "",
        "p50": p50.group(1) if p50 else "?",
    }


def main() -> None:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: `make bench-floor` installs it (apt-get install wrk).")
    print(f"Database {DB_URL}: migrating and seeding {INCIDENTS} incidents…", flush=True)
    fresh_database()
    started = time.monotonic()
    seeded = seed(INCIDENTS)
    print(f"Seeded in {time.monotonic() - started:.0f} s.", flush=True)

    service_url = f"http://127.0.0.1:{SERVICE_PORT}"
    floor_url = f"http://127.0.0.1:{FLOOR_PORT}"
    auth = (f"Authorization: Bearer {seeded['token']}",)
    work = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    transition_pool = work / "transition_pool.txt"
    update_pool = work / "update_pool.txt"
    update_pool.write_text("".join(f"{pk}\n" for pk in seeded["update_pool"]))
    detail = seeded["detail_id"]

    # name: (service's wrk arguments, floor's wrk arguments)
    pairs = {
        "list": (
            {"url": f"{service_url}/api/v1/incidents/?page_size={PAGE}", "headers": auth},
            {"url": f"{floor_url}/floor/incidents/"},
        ),
        "detail": (
            {"url": f"{service_url}/api/v1/incidents/{detail}/", "headers": auth},
            {"url": f"{floor_url}/floor/incidents/{detail}/"},
        ),
        "create": (
            {
                "url": service_url,
                "headers": auth,
                "script": "create.lua",
                "args": ("/api/v1/incidents/",),
            },
            {
                "url": floor_url,
                "script": "create.lua",
                "args": ("/floor/incidents/new/", f'"created_by": {seeded["creator_id"]}'),
            },
        ),
        "transition": (
            {
                "url": service_url,
                "headers": auth,
                "script": "transition.lua",
                "args": (str(transition_pool), str(CONNECTIONS)),
            },
            {
                "url": floor_url,
                "script": "update.lua",
                "args": (str(update_pool), "/floor/incidents/"),
            },
        ),
    }

    def run(name: str, side: dict, seconds: int) -> dict:
        if name == "transition" and side.get("script") == "transition.lua":
            write_transition_pool(transition_pool, seeded["transition_pool"])
        return wrk(
            side["url"],
            seconds,
            headers=side.get("headers", ()),
            script=side.get("script"),
            args=side.get("args", ()),
        )

    results = {}
    problems = []
    servers = []
    try:
        # Each server is stopped below however the run ends (Ctrl-C while one starts too).
        service_env = {
            # Out of the benchmark's way, but still counted in Redis on every request.
            "THROTTLE_USER_RATE": "100000000/min",
            "THROTTLE_ANON_RATE": "100000000/min",
        }
        serve(servers, SERVICE_PORT, "config.wsgi", service_env, root=SERVICE_ROOT)
        serve(servers, FLOOR_PORT, "floorapp.wsgi", {"DJANGO_SETTINGS_MODULE": "floorapp.settings"})
        if SERVICE_ROOT != ROOT:
            print(f"The service's code: {SERVICE_ROOT}")
        print(
            f"gunicorn, {WORKERS} sync workers each: the service on {SERVICE_PORT}, the floor on "
            f"{FLOOR_PORT}; wrk with {CONNECTIONS} connections, {ROUNDS} alternating round(s) of "
            f"{SECONDS} s per side after a {WARMUP_SECONDS} s warm-up.\n",
            flush=True,
        )
        for name, (service_side, floor_side) in pairs.items():
            run(name, floor_side, WARMUP_SECONDS)
            run(name, service_side, WARMUP_SECONDS)
            rounds = {"service": [], "floor": []}
            for _ in range(ROUNDS):
                for label, side in (("floor", floor_side), ("service", service_side)):
                    result = run(name, side, SECONDS)
                    rounds[label].append(result)
                    if not result["requests"]:
                        problems.append(
                            f"{name} ({label}): no request completed in {SECONDS} s (a machine "
                            "this busy needs longer rounds: BENCH_SECONDS)"
                        )
                    if result["errors"] or result["socket"]:
                        problems.append(
                            f"{name} ({label}): {result['errors']} of {result['requests']} "
                            f"answers were not 2xx; socket errors: {result['socket'] or 'none'}"
                        )
            results[name] = rounds
            floor_rps = statistics.median(r["rps"] for r in rounds["floor"])
            service_rps = statistics.median(r["rps"] for r in rounds["service"])
            each = {
                label: ", ".join(f"{r['rps']:.0f}" for r in rounds[label])
                for label in ("floor", "service")
            }
            print(
                f"  {name:<10} floor {floor_rps:7.1f}/s  service {service_rps:7.1f}/s  "
                f"(rounds: floor {each['floor']}; service {each['service']})",
                flush=True,
            )
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=60)
        shutil.rmtree(work, ignore_errors=True)

    print()
    print(f"{'pair':<11}{'floor req/s':>12}{'service req/s':>15}{'ratio':>8}{'goal':>7}  result")
    for name, rounds in results.items():
        floor_rps = statistics.median(r["rps"] for r in rounds["floor"])
        service_rps = statistics.median(r["rps"] for r in rounds["service"])
        ratio = service_rps / floor_rps if floor_rps else 0.0
        verdict = "PASS" if ratio >= GOALS[name] else "MISS"
        print(
            f"{name:<11}{floor_rps:>12.1f}{service_rps:>15.1f}{ratio:>7.2f}x{GOALS[name]:>6.1f}x"
            f"  {verdict}"
        )
    if problems:
        print("\n!!! ERRORS: some rounds did not measure 2xx answers; these numbers are NOT valid:")
        for problem in problems:
            print(f"!!!   {problem}")
        raise SystemExit(1)
    print("\nEvery request of both sides was answered 2xx.")


if __name__ == "__main__":
    main()
