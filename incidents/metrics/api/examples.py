"""The schema's example of the metrics: a quarter of 24 incidents, every key present."""

from incidents.metrics.durations import DURATIONS


def _stats(count, median, p90):
    return {"count": count, "median": median, "p90": p90}


def _duration(overall, low, medium, high, critical, none=(0, None, None)):
    return {
        **_stats(*overall),
        "by_severity": {
            "low": _stats(*low), "medium": _stats(*medium), "high": _stats(*high),
            "critical": _stats(*critical), "none": _stats(*none),
        },
    }  # fmt: skip


_TIMES = [
    _duration((21, 1500.0, 5040.0), (6, 2400.0, 5700.0), (8, 1650.0, 4410.0),
              (5, 900.0, 1560.0), (2, 420.0, 564.0)),
    _duration((18, 2700.0, 9180.0), (4, 7200.0, 12600.0), (7, 3000.0, 7920.0),
              (5, 1800.0, 2880.0), (2, 900.0, 1080.0)),
    _duration((14, 5400.0, 16020.0), (2, 14400.0, 20880.0), (5, 7200.0, 14400.0),
              (5, 3600.0, 5760.0), (2, 2100.0, 2460.0)),
    _duration((15, 172800.0, 432000.0), (4, 259200.0, 518400.0), (6, 172800.0, 345600.0),
              (4, 129600.0, 216000.0), (1, 86400.0, 86400.0)),
]  # fmt: skip

METRICS_EXAMPLE = {
    "period": {"from": "2026-01-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"},
    "incidents_counted": "all",
    "incidents": {
        "total": 24,
        "by_status": {"detected": 1, "assessed": 1, "responding": 2, "resolved": 6,
                      "reviewed": 14},
        "by_severity": {"low": 6, "medium": 8, "high": 5, "critical": 2, "none": 3},
        "by_category": {"social_media_backlash": 7, "data_leak": 2, "defamation": 1,
                        "misinformation": 3, "product_or_service_failure": 5, "conduct": 2,
                        "customer_complaint": 4, "other": 0},
        "by_scope": {"isolated": 9, "spreading": 8, "coordinated": 2, "none": 5},
    },
    "durations": {duration.name: times for duration, times in zip(DURATIONS, _TIMES, strict=True)},
    "deadlines": {
        "response": {"pending": 1, "on_track": 0, "at_risk": 1, "breached": 0, "met": 18,
                     "missed": 4, "compliance": 0.8182},
        "resolution": {"pending": 1, "on_track": 2, "at_risk": 0, "breached": 1, "met": 16,
                       "missed": 4, "compliance": 0.7619},
    },
    "per_week": [{"week": "2025-12-29", "incidents": 2}, {"week": "2026-01-05", "incidents": 1},
                 {"week": "2026-03-30", "incidents": 3}],
    "signals": {"signals": 18240, "reach": 5320000, "incidents_with_signals": 17},
    "communications": {"published": 31, "retracted": 1, "incidents_with_publications": 14},
    "compensations": [
        {"currency": "EUR", "total": "12450.00", "count": 37, "beneficiaries": 412},
        {"currency": "GBP", "total": "800.00", "count": 2, "beneficiaries": 2},
    ],
}  # fmt: skip
