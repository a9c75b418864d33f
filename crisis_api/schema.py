"""OpenAPI pieces shared by every resource: the bearer scheme and the problem body."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Describes BearerTokenAuthentication as an HTTP bearer scheme."""

    target_class = "crisis_api.auth.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token."}


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
