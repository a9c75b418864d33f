"""The schema documents both token endpoints, with examples and their problem responses."""

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    path = tmp_path_factory.mktemp("schema") / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/tokens/", "get", {"200", "400", "401", "429"}),
        (
            "/api/v1/tokens/{id}/revoke/",
            "post",
            {
                "200",
                "400",
                "401",
                "403",
                "404",
                "409",
                "422",
                "429",
            },  # Idempotency-Key: 400, 409, 422
        ),
    ],
)
def test_token_endpoints_are_documented_with_their_problems(path, method, statuses, schema):
    operation = schema["paths"][path][method]

    assert set(operation["responses"]) == statuses
    assert operation["responses"]["200"]["content"]["application/json"]["examples"]
    for status in statuses - {"200"}:
        content = operation["responses"][status]["content"]
        assert list(content) == ["application/problem+json"]
        examples = content["application/problem+json"]["examples"].values()
        assert examples
        assert all(example["value"]["status"] == int(status) for example in examples)


def test_the_token_schema_has_no_secret(schema):
    properties = schema["components"]["schemas"]["ApiToken"]["properties"]

    assert set(properties) == {
        "id", "prefix", "name", "user", "created_at", "expires_at", "last_used_at",
        "revoked_at", "state",
    }  # fmt: skip
    assert schema["components"]["schemas"]["TokenStateEnum"]["enum"] == [
        "active", "expired", "revoked",
    ]  # fmt: skip


def test_the_list_documents_its_filters_and_pagination(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/tokens/"]["get"]["parameters"]}

    assert parameters == {"user", "state", "ordering", "cursor", "page_size"}
