"""One reading of the application's clock per request.

Everything that compares with "now" while answering one request (a query filter, then the
representation of each row) reads the same instant, so a row never shows a state its filter
did not select. It is `django.utils.timezone.now()`, never the database's `now()`: a frozen
clock in tests means one thing in Python and in SQL.
"""

from datetime import datetime

from django.utils import timezone

_ATTRIBUTE = "_crisis_now"


def request_now(request=None) -> datetime:
    """The instant this request is answered at (the clock now when there is no request)."""
    if request is None:
        return timezone.now()
    now = getattr(request, _ATTRIBUTE, None)
    if now is None:
        now = timezone.now()
        setattr(request, _ATTRIBUTE, now)
    return now
