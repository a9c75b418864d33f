"""The service as production runs it: gunicorn, debug off, WhiteNoise, no internet."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _env(tmp_path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'serving.sqlite3'}",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        **extra,
    )
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
        return response.status, response.read()


def test_wsgi_refuses_to_start_without_production_settings(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "set DJANGO_SECRET_KEY" in result.stderr
    assert "set DJANGO_ALLOWED_HOSTS" in result.stderr


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    """gunicorn serving config.wsgi with debug off, after collectstatic, on a loopback port."""
    tmp_path = tmp_path_factory.mktemp("serving")
    env = _env(tmp_path, DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost")
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--no-input", "-v0"], ["collectstatic", "--no-input", "-v0"]):
        subprocess.run(manage + command, cwd=ROOT, env=env, check=True, timeout=120)
    port = _free_port()
    process = subprocess.Popen(
        [str(GUNICORN), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"gunicorn did not start: {process.stderr.read1().decode()}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_probes(gunicorn):
    assert _get(f"{gunicorn}/healthz") == (200, b'{"status": "ok"}')
    assert _get(f"{gunicorn}/readyz")[0] == 200


@pytest.mark.parametrize("page", ["/api/v1/docs/", "/api/v1/redoc/", "/admin/login/"])
def test_pages_and_all_their_assets_are_served_locally(page, gunicorn):
    status, body = _get(f"{gunicorn}{page}")
    html = body.decode()

    assert status == 200
    assert not re.search(r"(src|href)=\"https?://", html)
    assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert assets
    for asset in assets:
        assert _get(f"{gunicorn}{asset}")[0] == 200, asset


def test_schema_is_served(gunicorn):
    status, body = _get(f"{gunicorn}/api/v1/schema/?format=json")

    assert status == 200
    assert b'"openapi"' in body
