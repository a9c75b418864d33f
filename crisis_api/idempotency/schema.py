"""Postprocessing hook: the limits every operation shares, written once into the schema.

Every POST takes an optional `Idempotency-Key` and may answer 409 (the first request with the
key still runs) or 422 (the key was used for another request); every operation may answer 429
with `Retry-After`. Examples are what the API renders, so they cannot drift.
"""

from crisis_api.errors import PROBLEM_CONTENT_TYPE, problem_body, throttled_detail
from crisis_api.idempotency.services import (
    HEADER,
    REPLAYED_HEADER,
    KeyInUse,
    KeyInvalid,
    KeyReused,
)

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
METHODS = ("get", "put", "patch", "delete", "post", "head", "options", "trace")

KEY_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
    "description": (
        "A unique value (a random UUID) that makes the request safe to retry: the first "
        "answer (status, body, Location and ETag) is stored for 24 hours per token and "
        "replayed, marked `Idempotent-Replayed: true`, to a retry with the same key and body. "
        "The same key with another body answers 422; while the first request runs, 409. "
        "Answers 401, 403, 429 and 5xx are not stored: the retry runs again."
    ),
    "example": "0d6f1a8e-3c52-4b8e-9a57-2f0c5e7b9d14",
}
REPLAYED = {
    "description": "`true` when this answer is the stored answer to an earlier request "
    "with the same Idempotency-Key.",
    "schema": {"type": "string", "enum": ["true"]},
}
RETRY_AFTER = {
    "description": "Seconds to wait before sending another request.",
    "schema": {"type": "integer", "minimum": 0},
    "required": True,
}


def _example(exc) -> dict:
    return {"value": problem_body(exc.status_code, exc.code, exc.detail), "summary": exc.detail}


def _add_problem(responses: dict, status: str, name: str, description: str, value: dict):
    """Add `value` as an example of the operation's `status` problem, creating it if needed."""
    response = responses.setdefault(
        status, {"description": description, "content": {PROBLEM_CONTENT_TYPE: {}}}
    )
    content = response.setdefault("content", {}).setdefault(
        PROBLEM_CONTENT_TYPE, {"schema": PROBLEM_REF}
    )
    content.setdefault("schema", PROBLEM_REF)
    content.setdefault("examples", {})[name] = value
    return response


def document_limits(result, generator, request, public):
    """Add the Idempotency-Key parameter, 409/422 to every POST, and 429 to every operation."""
    throttled = {
        "value": problem_body(429, "throttled", throttled_detail(30)),
        "summary": "Too many requests",
    }
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in METHODS:
                continue
            responses = operation.setdefault("responses", {})
            limited = _add_problem(
                responses, "429", "TooManyRequests", "Too many requests", throttled
            )
            limited.setdefault("headers", {})["Retry-After"] = RETRY_AFTER
            if method != "post":
                continue
            operation.setdefault("parameters", []).append(KEY_PARAMETER)
            _add_problem(
                responses, "400", "InvalidIdempotencyKey", "Invalid input", _example(KeyInvalid())
            )
            _add_problem(responses, "409", "IdempotencyKeyInUse", "Conflict", _example(KeyInUse()))
            _add_problem(
                responses, "422", "IdempotencyKeyReused", "Key used for another request",
                _example(KeyReused()),
            )  # fmt: skip
            for status, response in responses.items():
                if status.startswith("2"):
                    response.setdefault("headers", {})[REPLAYED_HEADER] = REPLAYED
    return result
