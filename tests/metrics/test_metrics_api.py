"""GET /api/v1/metrics/: the figures of a known history, worked out by hand (both databases)."""

import pytest
from django.db import connection

from incidents.metrics.durations import python_cuts
from incidents.metrics.period import Period
from incidents.metrics.selectors import _durations_from_rows, metrics_incidents, team_metrics
from tests.metrics.conftest import NOW

URL = "/api/v1/metrics/"
EMPTY = {"count": 0, "median": None, "p90": None}


def stats(count, median, p90):
    return {"count": count, "median": median, "p90": p90}


def by_severity(low=EMPTY, medium=EMPTY, high=EMPTY, critical=EMPTY, none=EMPTY):
    return {"low": low, "medium": medium, "high": high, "critical": critical, "none": none}


@pytest.fixture
def metrics(known, client_for, viewer):
    response = client_for(viewer).get(URL)
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_period_defaults_to_the_last_90_days(metrics):
    assert metrics["period"] == {"from": "2025-12-20T12:00:00Z", "to": "2026-03-20T12:00:00Z"}
    assert metrics["incidents_counted"] == "visible"


def test_incidents_are_counted_by_every_value_zeros_included(metrics):
    assert metrics["incidents"] == {
        "total": 10,
        "by_status": {"detected": 1, "assessed": 2, "responding": 1, "resolved": 5,
                      "reviewed": 1},
        "by_severity": {"low": 3, "medium": 1, "high": 3, "critical": 1, "none": 2},
        "by_category": {"social_media_backlash": 1, "data_leak": 0, "defamation": 0,
                        "misinformation": 0, "product_or_service_failure": 0, "conduct": 0,
                        "customer_complaint": 0, "other": 9},
        "by_scope": {"isolated": 0, "spreading": 7, "coordinated": 1, "none": 2},
    }  # fmt: skip


def test_medians_and_90th_percentiles_by_linear_interpolation(metrics):
    durations = metrics["durations"]
    # [60, 120, 300, 600, 600, 900, 1800, 3600]: median (600+600)/2; p90 at rank 6.3:
    # 1800 + 0.3 * (3600 - 1800).
    assert durations["time_to_assess"] == {
        **stats(8, 600.0, 2340.0),
        "by_severity": by_severity(
            low=stats(3, 600.0, 3000.0),  # [120, 600, 3600]: 600 + 0.8 * 3000
            medium=stats(1, 1800.0, 1800.0),
            high=stats(3, 300.0, 780.0),  # [60, 300, 900]: 300 + 0.8 * 600
            critical=stats(1, 600.0, 600.0),
        ),
    }
    # [600, 1200, 3600, 7200, 20000]: E's reopening did not move its first response.
    assert durations["time_to_first_response"] == {
        **stats(5, 3600.0, 14880.0),  # 7200 + 0.6 * 12800
        "by_severity": by_severity(low=stats(2, 5400.0, 6840.0), high=stats(3, 1200.0, 16240.0)),
    }
    assert durations["time_to_first_public_response"] == {
        **stats(2, 1350.0, 1710.0),
        "by_severity": by_severity(high=stats(2, 1350.0, 1710.0)),
    }
    # Resolved only (F's dismissal is not a resolution); E counts to its last resolution.
    assert durations["time_to_resolve"] == {
        **stats(4, 52200.0, 207360.0),  # [7200, 18000, 86400, 259200]
        "by_severity": by_severity(
            low=stats(2, 172800.0, 241920.0), high=stats(2, 12600.0, 16920.0)
        ),
    }


def test_deadline_compliance(metrics):
    assert metrics["deadlines"] == {
        # met: A B D E F (F dismissed in time); missed: C; breached: J; on track: I.
        "response": {"pending": 2, "on_track": 1, "at_risk": 0, "breached": 1, "met": 5,
                     "missed": 1, "compliance": 0.7143},
        # breached: C (3 days after assessment); on track: I and J.
        "resolution": {"pending": 2, "on_track": 2, "at_risk": 0, "breached": 1, "met": 5,
                       "missed": 0, "compliance": 0.8333},
    }  # fmt: skip


def test_incidents_per_week_from_monday(metrics):
    weeks = metrics["per_week"]
    assert weeks[0] == {"week": "2025-12-15", "incidents": 0}
    assert weeks[-1] == {"week": "2026-03-16", "incidents": 4}  # G H I J (F: Sunday 03-15)
    assert weeks[-2] == {"week": "2026-03-09", "incidents": 2}  # C (03-10) and F
    assert len(weeks) == 14 and sum(w["incidents"] for w in weeks) == 10


def test_signals_communications_and_compensations_of_the_counted_incidents(metrics):
    assert metrics["signals"] == {"signals": 2, "reach": 1500, "incidents_with_signals": 1}
    assert metrics["communications"] == {
        "published": 3,
        "retracted": 1,
        "incidents_with_publications": 2,
    }
    assert metrics["compensations"] == [
        {"currency": "EUR", "total": "300.75", "count": 2, "beneficiaries": 3},
        {"currency": "GBP", "total": "50.00", "count": 1, "beneficiaries": 0},
    ]


def test_sql_and_python_percentiles_agree(known, manager):
    """On PostgreSQL the figures come from percentile_cont; Python's agree on the same rows."""
    period = Period(start=NOW.replace(year=2025), end=NOW)
    from_database = team_metrics(user=manager, period=period, now=NOW)["durations"]
    in_python = _durations_from_rows(metrics_incidents(user=manager, period=period))
    assert from_database == in_python


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([5.0], (5.0, 5.0)),
        ([1.0, 2.0], (1.5, 1.9)),
        ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0], (6.0, 10.0)),
        ([], None),
    ],
)
def test_python_percentiles_are_percentile_cont(values, expected):
    assert python_cuts(values) == (pytest.approx(expected) if expected else None)


def test_postgres_percentile_cont_gives_the_same_cut_points(db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    values = [60.0, 120.0, 300.0, 600.0, 600.0, 900.0, 1800.0, 3600.0, 7.25]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY v) "
            "FROM unnest(%s::double precision[]) AS v",
            [values],
        )
        (cuts,) = cursor.fetchone()
    assert tuple(cuts) == pytest.approx(python_cuts(sorted(values)))
