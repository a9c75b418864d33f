"""The crisis run of tests/reviews, for the reports."""

from tests.reviews.conftest import clock, crisis, make_review  # noqa: F401 (fixtures)
