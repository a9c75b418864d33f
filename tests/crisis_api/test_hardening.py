"""Platform guards: body size, JSON nesting and encoding, formats, and problems with debug on."""

import io
import json

import pytest
from django.core.exceptions import SuspiciousOperation
from django.http import HttpResponse
from django.urls import reverse
from rest_framework.exceptions import ParseError

from crisis_api.middleware import BodySizeLimitMiddleware, max_body_size
from crisis_api.parsers import BoundedJSONParser, json_depth_exceeds

LIST = reverse("incident-list")
MB = 1024 * 1024


def assert_problem(response, status, code=None):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert body["status"] == status
    if code:
        assert body["type"] == f"urn:crisis-api:problem:{code}"
    return body


# --- Body size ----------------------------------------------------------------------------------


def test_a_body_over_1_mb_is_413(responder, client_for):
    body = json.dumps({"title": "t", "summary": "x" * MB})

    response = client_for(responder).post(LIST, body, content_type="application/json")

    problem = assert_problem(response, 413, "payload-too-large")
    assert problem["detail"] == (
        "The request body is larger than 1048576 bytes; split it into smaller requests or "
        "send less."
    )


def test_the_limit_is_a_setting(settings, responder, client_for):
    settings.MAX_REQUEST_BODY_BYTES = 100

    response = client_for(responder).post(LIST, {"title": "t", "summary": "x" * 100}, format="json")

    assert_problem(response, 413, "payload-too-large")


def test_a_body_under_the_limit_passes(responder, client_for):
    response = client_for(responder).post(LIST, {"title": "t"}, format="json")

    assert response.status_code == 201


def test_outside_the_api_a_large_body_is_a_plain_413(db, client):
    response = client.post("/admin/login/", {"username": "x" * (MB + 1)})

    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/plain")


def _chunked_request(rf, body: bytes):
    """A request as gunicorn hands over a chunked body: no Content-Length, input terminated."""
    request = rf.post(LIST, data=b"", content_type="application/json")
    request.META.pop("CONTENT_LENGTH", None)
    request.META["HTTP_TRANSFER_ENCODING"] = "chunked"
    request.META["wsgi.input"] = io.BytesIO(body)
    request.META["wsgi.input_terminated"] = True
    return request


def _view(request):
    return HttpResponse(request.body)


def test_a_chunked_body_over_the_limit_is_413(rf, settings):
    settings.MAX_REQUEST_BODY_BYTES = 10
    request = _chunked_request(rf, b"x" * 11)

    response = BodySizeLimitMiddleware(_view).process_view(request, _view, (), {})

    assert_problem(response, 413, "payload-too-large")


def test_a_chunked_body_under_the_limit_is_read(rf, settings):
    settings.MAX_REQUEST_BODY_BYTES = 10
    request = _chunked_request(rf, b'{"a": 1}')

    assert BodySizeLimitMiddleware(_view).process_view(request, _view, (), {}) is None
    assert request.body == b'{"a": 1}'
    assert request.META["CONTENT_LENGTH"] == "8"


def test_a_view_can_declare_a_bigger_limit(rf, settings):
    settings.MAX_REQUEST_BODY_BYTES = 10
    view = max_body_size(100)(_view)
    request = rf.post(LIST, data=b"x" * 50, content_type="application/json")

    assert BodySizeLimitMiddleware(view).process_view(request, view, (), {}) is None
    request = rf.post(LIST, data=b"x" * 101, content_type="application/json")
    assert_problem(BodySizeLimitMiddleware(view).process_view(request, view, (), {}), 413)


# --- JSON ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 100_000])
def test_deep_nesting_is_400_before_parsing(depth, responder, client_for):
    body = "[" * depth + "]" * depth

    response = client_for(responder).post(LIST, body, content_type="application/json")

    problem = assert_problem(response, 400, "parse-error")
    assert problem["detail"] == (
        "The JSON body nests deeper than 32 levels; send a flatter document."
    )


def test_nesting_inside_strings_does_not_count():
    text = json.dumps({"title": "[" * 1000 + "{" * 1000, "x": [[['\\"[']]]})

    assert not json_depth_exceeds(text, 32)
    assert json_depth_exceeds("[" * 33 + "]" * 33, 32)
    assert not json_depth_exceeds("[" * 32 + "]" * 32, 32)


def test_nesting_of_32_levels_is_parsed():
    value = BoundedJSONParser().parse(io.BytesIO(b"[" * 32 + b"]" * 32))

    assert isinstance(value, list)


@pytest.mark.parametrize(
    ("body", "detail_start"),
    [
        (b'{"title": "caf\xe9"}', "The body is not UTF-8"),
        (b'{"title": NaN}', "The body is not valid JSON"),
        (b'{"title": Infinity}', "The body is not valid JSON"),
        (b'{"title": "t",}', "The body is not valid JSON"),
        (b'{"n": ' + b"9" * 5000 + b"}", "The body is not valid JSON"),
        (b"\xef\xbb\xbf{}", "The body is not valid JSON"),
    ],
)
def test_bodies_that_are_not_utf8_json_are_400(body, detail_start, responder, client_for):
    response = client_for(responder).post(LIST, body, content_type="application/json")

    problem = assert_problem(response, 400, "parse-error")
    assert problem["detail"].startswith(detail_start)


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b'{"title":', "Le corps n'est pas un JSON valide (ligne 1, colonne 10)"),
        (b'{"title": NaN}', "Le corps n'est pas un JSON valide : NaN, Infinity"),
        (b'{"n": ' + b"9" * 5000 + b"}", "Le corps n'est pas un JSON valide : NaN, Infinity"),
        (b'{"title": "a", "title": "b"}', 'La clé "title" apparaît deux fois'),
    ],
)
def test_parse_errors_speak_the_callers_language(body, detail, responder, client_for):
    response = client_for(responder).post(
        LIST, body, content_type="application/json", HTTP_ACCEPT_LANGUAGE="fr"
    )

    problem = assert_problem(response, 400, "parse-error")
    assert problem["detail"].startswith(detail), problem["detail"]
    assert "Expecting" not in problem["detail"] and "sys." not in problem["detail"]


def test_parse_error_is_raised_not_recursion():
    with pytest.raises(ParseError):
        BoundedJSONParser().parse(io.BytesIO(b"{" * 100_000))


@pytest.mark.parametrize("body", [b"[]", b'"title"', b"null", b"42"])
def test_a_body_that_is_not_an_object_is_400(body, responder, client_for):
    response = client_for(responder).post(LIST, body, content_type="application/json")

    assert_problem(response, 400, "invalid")


def test_another_media_type_is_415(responder, client_for):
    response = client_for(responder).post(LIST, "title=t", content_type="text/plain")

    assert_problem(response, 415, "unsupported-media-type")


# --- Formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xml", "html", "x" * 1000])
def test_unknown_schema_format_is_a_json_problem(fmt, db, client):
    response = client.get(reverse("schema"), {"format": fmt})

    problem = assert_problem(response, 404, "not-found")
    assert problem["detail"].startswith("Unknown format ")
    assert problem["detail"].endswith("; use one of: json, yaml.")


def test_schema_formats_still_served(db, client):
    assert client.get(reverse("schema"), {"format": "json"}).json()["openapi"].startswith("3.")
    assert client.get(reverse("schema"))["Content-Type"].startswith("application/vnd.oai")


def test_unknown_format_on_the_api_is_a_json_problem(responder, client_for):
    response = client_for(responder).get(LIST, {"format": "xml"})

    assert_problem(response, 404, "not-found")


def test_unacceptable_accept_header_is_406(responder, client_for):
    response = client_for(responder).get(LIST, HTTP_ACCEPT="application/xml")

    assert_problem(response, 406, "not-acceptable")


# --- Debug on -----------------------------------------------------------------------------------


@pytest.fixture
def debug(settings):
    settings.DEBUG = True
    return settings


def test_debug_on_unexpected_error_is_a_problem_500(debug, responder, client_for, monkeypatch):
    from incidents import selectors

    def explode(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "incident_list", explode)
    client = client_for(responder)
    client.raise_request_exception = False

    response = client.get(LIST)

    problem = assert_problem(response, 500, "server-error")
    assert "X-Request-ID" in problem["detail"]
    assert b"Traceback" not in response.content


def test_debug_on_unknown_api_path_is_a_problem(debug, db, client):
    assert_problem(client.get("/api/v1/nothing/"), 404, "not-found")


def test_debug_on_bad_host_is_a_problem(debug, db, client):
    debug.ALLOWED_HOSTS = ["api.example.com"]

    response = client.get(LIST, HTTP_HOST="evil.example.com")

    assert_problem(response, 400, "bad-request")


def test_debug_on_too_many_parameters_is_a_problem(debug, responder, client_for):
    response = client_for(responder).get(LIST + "?" + "&".join(f"p{i}=1" for i in range(1001)))

    assert_problem(response, 400, "too-many-fields")


@pytest.mark.parametrize("payload", ['{"title": 1e999}', "[" * 5000])
def test_debug_on_bad_bodies_are_problems(payload, debug, responder, client_for):
    response = client_for(responder).post(LIST, payload, content_type="application/json")

    assert_problem(response, 400)


def test_debug_on_suspicious_operation_in_a_view_is_a_problem(
    debug, responder, client_for, monkeypatch
):
    from incidents import selectors

    def suspicious(**kwargs):
        raise SuspiciousOperation("nope")

    monkeypatch.setattr(selectors, "incident_list", suspicious)

    assert_problem(client_for(responder).get(LIST), 400, "bad-request")


def test_debug_on_large_body_is_a_problem(debug, responder, client_for):
    response = client_for(responder).post(LIST, "x" * (MB + 1), content_type="application/json")

    assert_problem(response, 413, "payload-too-large")


def test_outside_the_api_debug_pages_are_unchanged(debug, db, client):
    response = client.get("/nothing-here/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
