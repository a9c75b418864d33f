"""Every size limit of the incident API's input, in one place.

The input serializers and filters read them; the OpenAPI schema shows them (`maxLength`,
`maxItems`, `minimum`, `maximum`) and the README lists them. Integers are bounded by their
columns (crisis_api.fields.integer_range), date-times by crisis_api.fields.AwareDateTimeField.
"""

from incidents.models import Channel, Impact, Incident

# Text fields, in characters.
TITLE = Incident._meta.get_field("title").max_length  # 200
LONG_TEXT = 10_000  # summary, resolution summary, review fields, notes
REASON = 5_000  # rationale, dismiss and reopen reasons
FOLLOW_UP_ACTION = 500  # one follow-up action of a review

# Lists, in items.
PARTICIPANTS = 100
CHANNELS = len(Channel)  # each channel at most once
IMPACTS = len(Impact)
FOLLOW_UP_ACTIONS = 50

# Query parameters (`q` text, values of a repeated parameter): the platform's filters'
# bounds, crisis_api.filters.QUERY_TEXT and QUERY_VALUES, the same for every list.
