"""Optimistic concurrency over HTTP: versions as strong ETags, `If-Match` preconditions."""

from django.utils.http import parse_etags

from crisis_api.errors import VersionMismatch


def etag_for(version: int) -> str:
    """The strong ETag of a resource version."""
    return f'"{version}"'


def expected_version(request) -> int | None:
    """The version named by the request's `If-Match`, or None when there is no precondition.

    `If-Match: *` matches any version. An unparsable or weak tag can never match (RFC 9110
    compares If-Match strongly), so it is returned as -1.
    """
    header = request.headers.get("If-Match")
    if not header:
        return None
    tags = parse_etags(header)
    if tags == ["*"]:
        return None
    for tag in tags:
        if tag.startswith('"') and tag[1:-1].isascii() and tag[1:-1].isdigit() and len(tag) < 40:
            return int(tag[1:-1])
    return -1


def check_version(expected: int | None, current: int) -> None:
    """Raise VersionMismatch when the caller expected another version."""
    if expected is not None and expected != current:
        raise VersionMismatch(current)
