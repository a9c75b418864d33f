"""What the scale generator and the scale benchmark share: the SCALE, the database, Django.

    SCALE=0.01   10,000 incidents, 100,000 signals, 50,000 events (database crisis_scale_small)
    SCALE=1      1,000,000 incidents, 10,000,000 signals, 5,000,000 events (crisis_scale)

SCALE_DB names another database (on 127.0.0.1:5432), SCALE_DATABASE_URL another server.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCALE = float(os.environ.get("SCALE") or "0.01")
DB_NAME = os.environ.get("SCALE_DB") or ("crisis_scale" if SCALE >= 1 else "crisis_scale_small")
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
DB_URL = os.environ.get("SCALE_DATABASE_URL") or f"{SERVER_URL}/{DB_NAME}"

INCIDENTS = round(1_000_000 * SCALE)
SIGNALS = round(10_000_000 * SCALE)
EVENTS = round(5_000_000 * SCALE)
# The incident the summary and the suggestion are measured on (at least 10,000 signals), and
# the length of its stream, which the timeline verification is measured on (one event per
# signal attached).
BIG_SIGNALS = max(round(100_000 * SCALE), 10_000)
LONG_STREAM = max(round(100_000 * max(SCALE, 0.1)), BIG_SIGNALS)


def setup_django() -> None:
    """Django on the scale database, DEBUG off (what production runs)."""
    os.environ["DATABASE_URL"] = DB_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", "scale-benchmark-not-secret")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
