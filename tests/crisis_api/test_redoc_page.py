"""Redoc's page lets the browser load nothing from another host (its logo is on cdn.redoc.ly)."""

import re

from django.urls import reverse


def test_redoc_page_restricts_every_fetch_to_this_host(client, db, plain_static_files):
    response = client.get(reverse("redoc"))

    html = response.content.decode()
    assert response.status_code == 200
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert policy is not None
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["img-src"] == "'self' data:"  # blocks https://cdn.redoc.ly/…/logo-mini.svg
    assert directives["font-src"] == "'self' data:"
    assert "https://" not in html
