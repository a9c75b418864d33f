"""§7 for real: gunicorn whose database file cannot be opened, then can again."""

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.test_serving import GUNICORN, ROOT, _env, _free_port


def fetch(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # loopback only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def served(tmp_path):
    """(base URL, database directory, gunicorn's stderr file) with the database migrated."""
    directory = tmp_path / "db"
    directory.mkdir()
    env = _env(tmp_path, DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="127.0.0.1")
    env["DATABASE_URL"] = f"sqlite:///{directory / 'live.sqlite3'}"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=180,
    )
    port = _free_port()
    log = (tmp_path / "gunicorn.log").open("w+b")
    process = subprocess.Popen(
        [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                fetch(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        yield base, directory, tmp_path / "gunicorn.log"
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def test_database_gone_then_back(served):
    base, directory, log_path = served
    list_url = f"{base}/api/v1/incidents/"
    bearer = {"Authorization": "Bearer cr_not-a-real-token"}
    assert fetch(f"{base}/readyz")[0] == 200
    away = directory.rename(directory.with_name("db-away"))  # the database cannot be opened

    ready_status, ready_headers, _ = fetch(f"{base}/readyz")
    api_status, api_headers, api_body = fetch(list_url, **bearer)
    alive_status = fetch(f"{base}/healthz")[0]

    assert ready_status == 503
    assert ready_headers["Retry-After"] == "5"
    assert alive_status == 200
    assert api_status == 503
    assert api_headers["Content-Type"] == "application/problem+json"
    assert api_headers["Retry-After"] == "5"
    assert json.loads(api_body)["type"] == "urn:crisis-api:problem:service-unavailable"

    away.rename(directory)  # the database is back: served again, nothing restarted
    assert fetch(f"{base}/readyz")[0] == 200
    assert fetch(list_url, **bearer)[0] == 401  # the token lookup ran: a real answer

    time.sleep(0.2)
    log = log_path.read_text()
    assert "Traceback" not in log
    lines = [json.loads(line) for line in log.splitlines() if '"crisis_api.requests"' in line]
    failed = [line for line in lines if line["status"] == 503]
    assert [line["path"] for line in failed] == ["/readyz", "/api/v1/incidents/"]
    assert "database unavailable: OperationalError" in failed[1]["error"]
