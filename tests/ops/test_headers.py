"""§8: security headers, no-store on the API, CSP that the admin and the docs can live with."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent.parent
LIST = reverse("incident-list")


def csp_directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return dict(d.strip().split(" ", 1) for d in policy.split(";") if d.strip())


def test_api_answers_are_not_stored_and_carry_the_security_headers(responder, client_for):
    response = client_for(responder).get(LIST)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_api_errors_are_not_stored_either(db, client):
    response = client.get(LIST)  # no token

    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"


def test_an_incident_is_not_stored(responder, client_for, make_incident):
    incident = make_incident()

    response = client_for(responder).get(reverse("incident-detail", args=[incident.pk]))

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["ETag"]  # If-Match still works: the ETag is sent, only caching is refused


def test_probes_keep_their_own_cache_control(db, client):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]  # never_cache, not the API's no-store


def test_admin_pages_forbid_inline_script_and_other_hosts(manager, admin_client_for):
    response = admin_client_for(manager).get(reverse("admin:index"))

    assert response.status_code == 200
    directives = csp_directives(response)
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "https:" not in response["Content-Security-Policy"]


def test_swagger_ui_has_no_inline_script(db, client, plain_static_files):
    response = client.get(reverse("swagger-ui"))

    html = response.content.decode()
    assert response.status_code == 200
    assert csp_directives(response)["script-src"] == "'self'"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts
    assert all("src=" in attrs and not body.strip() for attrs, body in scripts)
    setup = re.search(r'<script src="([^"]*\?script=[^"]*)"', html).group(1).replace("&amp;", "&")
    script = client.get(setup)
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_redoc_has_no_inline_script(db, client, plain_static_files):
    response = client.get(reverse("redoc"))

    html = response.content.decode()
    assert response.status_code == 200
    assert csp_directives(response)["worker-src"] == "'self' blob:"
    assert all("src=" in attrs for attrs, _ in re.findall(r"<script([^>]*)>(.*?)</script>", html))


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_plain_http_when_https_is_enforced(path, settings, db, client):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(path).status_code == 200
    assert client.get(LIST).status_code == 301  # everything else goes to HTTPS


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_answer_a_head_request(path, db, client):
    # Load balancers often probe with HEAD (e.g. HAProxy's `option httpchk HEAD /healthz`).
    assert client.head(path).status_code == 200


def test_hsts_behind_tls(settings, db, client):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    response = client.get("/healthz", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_the_admin_session_ends_after_a_working_day(manager, admin_client_for, settings):
    client = admin_client_for(manager)

    assert settings.SESSION_COOKIE_AGE == 10 * 3600
    assert 0 < client.session.get_expiry_age() <= 10 * 3600


def _readme_production_env() -> dict[str, str]:
    """The `export NAME=value` lines of the README's "Running in production" block."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Running in production", 1)[1].split("```sh", 1)[1].split("```")[0]
    env = {}
    for name, value in re.findall(r"^export (\w+)=(.*)$", section, re.MULTILINE):
        # The README generates the key with secrets.token_urlsafe(50): so does this test.
        env[name] = secrets.token_urlsafe(50) if value.startswith('"$(') else value
    return env


def _manage(*args, env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_the_readmes_production_environment():
    env = _readme_production_env()
    assert env["DJANGO_BEHIND_TLS_PROXY"] == "1"

    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=env)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_settings_send_a_year_of_hsts():
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_SSL_REDIRECT)"
    )

    result = _manage("shell", "-c", code, env=_readme_production_env())

    assert result.stdout.strip().splitlines()[-1].split() == ["31536000", "True", "True"], (
        result.stderr
    )
