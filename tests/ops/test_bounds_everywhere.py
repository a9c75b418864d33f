"""§4: every endpoint of the API refuses large bodies, deep JSON and unbounded text."""

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.views import APIView

from crisis_api.api.audit import MAX_CHECKPOINT_BYTES
from crisis_api.parsers import BoundedJSONParser

WRITES = ("post", "put", "patch")
ID = "00000000-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def write_operations(schema):
    for path, item in schema["paths"].items():
        for method in WRITES:
            if method in item:
                yield method, re.sub(r"\{[^}]+\}", ID, path), item[method]


def api_views():
    """Every DRF view class routed under /api/."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and route.startswith("api/"):
                cls = getattr(pattern.callback, "cls", None)
                if cls is not None and issubclass(cls, APIView):
                    yield route, cls

    return list(walk(get_resolver().url_patterns))


def test_every_write_answers_413_to_a_body_over_the_limit(schema, manager, client_for, settings):
    client = client_for(manager)
    # Over the largest limit any view declares (@max_body_size: the signal batches, a
    # checkpoint to verify).
    largest = max(
        settings.MAX_REQUEST_BODY_BYTES, settings.SIGNALS_BATCH_MAX_BYTES, MAX_CHECKPOINT_BYTES
    )
    body = json.dumps({"text": "x" * largest})
    checked = []

    for method, path, _operation in write_operations(schema):
        response = getattr(client, method)(path, body, content_type="application/json")
        assert response.status_code == 413, (method, path, response.status_code)
        assert response["Content-Type"] == "application/problem+json", path
        assert json.loads(response.content)["type"] == "urn:crisis-api:problem:payload-too-large"
        checked.append(path)

    assert len(checked) >= 20


def test_every_api_view_parses_json_with_the_bounded_parser():
    views = api_views()

    assert len(views) >= 10
    for route, cls in views:
        for parser in cls.parser_classes:
            assert issubclass(parser, BoundedJSONParser), (route, cls, parser)


def test_every_text_input_has_a_maximum_length(schema):
    unbounded = []
    for name, component in schema["components"]["schemas"].items():
        if not name.endswith("Request"):
            continue  # output shapes; COMPONENT_SPLIT_REQUEST names the inputs …Request
        stack = [(name, component)]
        while stack:
            where, node = stack.pop()
            if not isinstance(node, dict):
                continue
            if node.get("type") == "string" and not (
                "maxLength" in node or "enum" in node or node.get("format") in BOUNDED_FORMATS
            ):
                unbounded.append(where)
            for key, child in node.get("properties", {}).items():
                stack.append((f"{where}.{key}", child))
            if "items" in node:
                stack.append((f"{where}[]", node["items"]))
            for combined in ("allOf", "oneOf", "anyOf"):
                stack.extend((where, child) for child in node.get(combined, []))

    assert unbounded == []


# Strings whose format bounds them already (the fields refuse anything longer).
BOUNDED_FORMATS = {"uuid", "date-time", "date", "decimal"}
