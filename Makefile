# Crisis API — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCK := requirements/dev.lock
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Parallel test workers (pytest-xdist); the suite also runs with -n 0.
WORKERS ?= 2

.PHONY: install run test lint format lock schema deploy-check browsers gettext messages bench bench-signals bench-audit bench-limits bench-floor bench-memory scale-data bench-scale wrk clean

$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv>=0.5,<1"
	$(BIN)/uv pip sync --quiet --python $(BIN)/python $(LOCK)
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

run: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed_demo --base-url http://$(HOST):$(PORT)
	@# A task worker beside the server (webhook deliveries); Ctrl-C stops both.
	DJANGO_DEBUG=1 WEBHOOKS_ALLOW_LOOPBACK=1 $(BIN)/python manage.py db_worker --queue-name '*' & \
	worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	DJANGO_DEBUG=1 WEBHOOKS_ALLOW_LOOPBACK=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest -n $(WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve the pinned versions after changing pyproject.toml.
lock: install
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev -o $(LOCK)

schema: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py spectacular --validate --fail-on-warn --file schema.yaml

# Django's deployment checklist with the production environment the README documents (a
# throwaway key; the real one comes from the environment): fails on any warning.
deploy-check: install
	DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_ALLOWED_HOSTS=crisis.example.com \
	DJANGO_CSRF_TRUSTED_ORIGINS=https://crisis.example.com \
	DJANGO_BEHIND_TLS_PROXY=1 \
	DATABASE_URL=postgres://crisis:password@db.internal:5432/crisis_api \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

# Every benchmark of the README's "Performance" section, one after the other (PostgreSQL and
# Redis; not in CI): the floor's ratios, ingestion, audit verification, the scale data and the
# scale figures at SCALE, and the workers' memory.
bench: bench-floor bench-signals bench-audit scale-data bench-scale bench-memory

# Monitoring's benchmark on PostgreSQL (not in CI; see bench/signals.py): ingestion over HTTP
# against gunicorn, then the summary and the suggestion of an incident with 100,000 signals.
bench-signals: install
	$(BIN)/python bench/signals.py

# Audit verification on PostgreSQL (not in CI; see bench/audit.py): verify_stream over a stream
# of 100,000 events, and verify_audit's rate over the whole log.
bench-audit: install
	$(BIN)/python bench/audit.py

# The throttle and idempotency keys across two gunicorn processes (PostgreSQL and Redis; see
# bench/limits.py).
bench-limits: install
	$(BIN)/python bench/limits.py

# The service against bare DRF endpoints over the same models and database, side by side with
# wrk (PostgreSQL and Redis; see bench/floor/run.py): prints the four ratios. BENCH_QUICK=1 for
# one short round per pair.
bench-floor: install wrk
	$(BIN)/python bench/floor/run.py

# The HTTP benchmarking tool bench-floor drives, as Debian's package (as root).
wrk:
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

# A gunicorn worker's RSS before and after 10,000 mixed requests (PostgreSQL crisis_rss and
# Redis; see bench/memory.py): PASS under 150 MB.
bench-memory: install
	$(BIN)/python bench/memory.py

# The scale data and the scale benchmark on PostgreSQL (not in CI; see bench/scale/): SCALE=0.01
# (10,000 incidents, database crisis_scale_small) unless given; SCALE=1 is 1,000,000 incidents,
# 10,000,000 signals and 5,000,000 events (database crisis_scale). scale-data drops the database.
SCALE ?= 0.01
scale-data: install
	SCALE=$(SCALE) $(BIN)/python bench/scale/generate.py

bench-scale: install
	SCALE=$(SCALE) $(BIN)/python bench/scale/run.py

# Debian's Chromium for the browser tests (Playwright's own browser download needs the
# internet); `make test` skips those tests, saying so, when it is missing.
browsers:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

# GNU gettext (msgfmt, xgettext, msgmerge) for makemessages and compilemessages, as Debian's
# package (as root); without it the catalogue test that needs it is skipped, saying so.
gettext:
	@command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext; }

# The French catalogue: collect the strings of the code into locale/fr/LC_MESSAGES/django.po
# (translations already there are kept), then compile django.mo. Commit both.
MESSAGES_IGNORE := --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=build
messages: install
	DJANGO_DEBUG=1 $(BIN)/python manage.py makemessages -l fr --add-location=file $(MESSAGES_IGNORE)
	DJANGO_DEBUG=1 $(BIN)/python manage.py compilemessages -l fr $(MESSAGES_IGNORE)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
