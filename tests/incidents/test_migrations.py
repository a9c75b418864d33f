"""Migration 0005: the default severity policy, and deadlines for incidents assessed before it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("incidents", "0003_labels_and_verbose_names")
AFTER = ("incidents", "0005_severity_policy_defaults")
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def back_to_the_latest():
    """Going back to incidents 0003 also unapplies what depends on later migrations (other
    apps' too): leave every app at its latest migration for the tests that follow."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.usefixtures("back_to_the_latest")
def test_incidents_assessed_before_the_policy_get_both_deadlines():
    old = _migrate(BEFORE)
    user = old.get_model("auth", "User").objects.create(username="before")
    make = old.get_model("incidents", "Incident").objects.create
    common = {"created_by_id": user.pk, "title": "t", "assessed_at": T0}
    open_one = make(reference="CR-1", severity="high", response_due_at=T0 + 4 * H, **common)
    responded = make(
        reference="CR-2", severity="critical", response_due_at=T0 + H,
        first_response_at=T0 + 2 * H, **common,
    )  # fmt: skip
    closed = make(
        reference="CR-3", severity="low", response_due_at=T0 + 72 * H,
        first_response_at=T0 + H, resolved_at=T0 + 2 * H, **common,
    )  # fmt: skip
    detected = make(reference="CR-4", created_by_id=user.pk, title="t")

    new = _migrate(AFTER)  # its models: later migrations add columns the current models read

    assert new.get_model("incidents", "SeverityPolicy").objects.count() == 4
    found = {i.reference: i for i in new.get_model("incidents", "Incident").objects.all()}
    assert (found["CR-1"].resolution_due_at, found["CR-1"].next_due_at) == (T0 + 72 * H, T0 + 4 * H)
    assert (found["CR-1"].response_at_risk_at, found["CR-1"].resolution_at_risk_at) == (
        T0 + 3 * H, T0 + 54 * H,
    )  # fmt: skip
    assert (found["CR-2"].resolution_due_at, found["CR-2"].next_due_at) == (
        T0 + 24 * H,
        T0 + 24 * H,
    )
    assert (found["CR-3"].resolution_due_at, found["CR-3"].next_due_at) == (T0 + 14 * 24 * H, None)
    assert found["CR-4"].resolution_due_at is found["CR-4"].next_due_at is None
    assert {open_one.pk, responded.pk, closed.pk, detected.pk} == {i.pk for i in found.values()}
