"""OpenAPI pieces shared by every resource: the bearer scheme and the problem body."""

from drf_spectacular.extensions import (
    OpenApiAuthenticationExtension,
    OpenApiSerializerFieldExtension,
)
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import exceptions, serializers

from crisis_api.errors import (
    NOT_VISIBLE,
    PROBLEM_CONTENT_TYPE,
    InvalidInput,
    ProblemError,
    VersionMismatch,
    problem_body,
)
from crisis_api.lifecycle.errors import NotEditable, TransitionNotAllowed


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes BearerTokenAuthentication as an HTTP bearer scheme."""

    target_class = "crisis_api.auth.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token."}


class DecimalStringFieldSchema(OpenApiSerializerFieldExtension):
    """A DecimalStringField as the exact pattern it accepts (DRF's allows signs and "")."""

    target_class = "crisis_api.fields.DecimalStringField"

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        return {
            "type": "string",
            "format": "decimal",
            "pattern": f"^{field.plain_pattern.pattern}$",
            "maxLength": field.max_digits + 1,
            "example": "150.00",
        }


class ProblemSerializer(serializers.Serializer):
    """An RFC 9457 problem; members beyond the first four appear where they apply."""

    type = serializers.CharField(help_text="URI naming the kind of problem.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong and how to fix it.")
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="400 only: messages for each invalid field.",
    )
    current_version = serializers.IntegerField(required=False, help_text="412 only.")
    current_status = serializers.CharField(required=False, help_text="409 only.")
    allowed_transitions = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="409 only."
    )
    editable_fields = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="409 only, when the status closes the record to most changes.",
    )


def problem(description: str, example: dict | None = None) -> OpenApiResponse:
    """A problem response for `@extend_schema(responses=…)`."""
    examples = [OpenApiExample(description, value=example, response_only=True)] if example else []
    return OpenApiResponse(ProblemSerializer, description=description, examples=examples)


def forbid_unknown_fields(result, generator, request, public):
    """Postprocessing hook: input bodies refuse unknown fields, so say so in the schema.

    Every request body comes from a StrictInputSerializer (components named `…InputRequest`).
    """
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("InputRequest") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result


# Component name -> the example its schema shows (see `component_example`).
_COMPONENT_EXAMPLES: dict[str, dict] = {}


def component_example(example: dict):
    """Class decorator: `example` becomes the `example` of the serializer's schema component,
    wherever it is nested (drf-spectacular's own examples belong to operations)."""

    def register(serializer_class):
        _COMPONENT_EXAMPLES[serializer_class.__name__.removesuffix("Serializer")] = example
        return serializer_class

    return register


def add_component_examples(result, generator, request, public):
    """Postprocessing hook: the examples registered by `component_example`."""
    schemas = result.get("components", {}).get("schemas", {})
    for name, example in _COMPONENT_EXAMPLES.items():
        if name in schemas:
            schemas[name]["example"] = example
    return result


def problem_example(description: str, exc: Exception) -> OpenApiResponse:
    """A documented problem whose example is what the API renders for `exc` (cannot drift)."""
    if isinstance(exc, ProblemError):
        body = problem_body(exc.status_code, exc.code, exc.detail, **exc.extra)
    else:  # a DRF exception
        body = problem_body(exc.status_code, exc.default_code, str(exc.detail))
    return problem(description, body)


def _standard_problems() -> dict[int, OpenApiResponse]:
    return {
        400: problem_example(
            "Invalid input, field by field",
            InvalidInput({"severity": ["This field is required."]}),
        ),
        401: problem_example("No or bad credentials", exceptions.NotAuthenticated()),
        403: problem_example(
            "Not allowed for your role",
            exceptions.PermissionDenied(
                "Your role does not allow 'review' (it needs the incidents.review_incident "
                "permission); ask a manager for a role that does."
            ),
        ),
        404: problem_example(
            "Unknown, or not visible to you",
            exceptions.NotFound(NOT_VISIBLE),
        ),
        409: problem_example(
            "Not allowed from the current status",
            TransitionNotAllowed("resolve", "detected", ["assess", "dismiss"]),
        ),
        412: problem_example("If-Match names an old version", VersionMismatch(4)),
        413: problem(
            "The body is too large",
            problem_body(
                413,
                "payload_too_large",
                "The request body is larger than 5242880 bytes; split it into smaller requests "
                "or send less.",
            ),
        ),
        503: problem(
            "Busy: send the same request again",
            problem_body(
                503,
                "busy",
                "Other batches kept storing the same signals at the same moment; send this one "
                "again.",
            ),
        ),
    }


# A record whose status closes it to most changes (PATCH of a reviewed incident).
CLOSED = problem_example(
    "Closed: only some fields can still change",
    NotEditable(["severity"], "reviewed", ["participants", "is_confidential"]),
)


def responses(success: dict, *statuses: int, **overrides: OpenApiResponse) -> dict:
    """`success` plus the problems of `statuses`, declared as application/problem+json.

    `overrides` replaces a standard problem for this operation: `responses(…, 409, s409=CLOSED)`.
    """
    problems = _standard_problems()
    chosen = {code: overrides.get(f"s{code}", problems[code]) for code in statuses}
    return {**success, **{(code, PROBLEM_CONTENT_TYPE): p for code, p in chosen.items()}}
