"""The review's metrics on the incident page: a table the managers read at a glance."""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from crisis_api.admin_display import EMPTY
from incidents.models import IncidentReview
from incidents.reviews.display import metric_rows


def metrics_panel(review: IncidentReview | None) -> str:
    """The snapshot as a two-column table (EMPTY before the review)."""
    if review is None:
        return EMPTY
    if not review.metrics:
        return format_html("<p>{}</p>", _("Not measured (reviewed before the metrics were kept)."))
    rows = format_html_join(
        "", '<tr><th scope="row">{}</th><td>{}</td></tr>', metric_rows(review.metrics)
    )
    return format_html(
        '<table id="crisis-review-metrics"><thead><tr><th>{}</th><th>{}</th></tr></thead>'
        "<tbody>{}</tbody></table>",
        _("Measure"),
        _("Value"),
        rows,
    )
