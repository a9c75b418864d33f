"""Fixtures of the limits' tests: an empty cache, so counters start at zero."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()
