"""What an action accepts: the compensation rule, amounts, currencies, owners, dates, and
hostile input (wrong JSON types, huge values, NUL, unknown fields): always a 400, never a 500."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from incidents.actions.models import Action
from tests.actions.conftest import action_url, incident_actions_url

FIX = {"kind": "fix", "title": "Fix the page"}
COMPENSATION = {"kind": "compensation", "title": "Refund", "amount": "150.00", "currency": "EUR"}
NOT_PLAIN = (
    'Write the amount in plain digits with a dot and at most 2 decimals, e.g. "1250.50" (no '
    "sign, exponent, spaces or thousands separators)."
)
ONLY_COMPENSATION = (
    "Only a compensation has {}; make the kind compensation, or send null to clear it."
)
UNKNOWN = "Unknown field; see the schema for the accepted fields."


@pytest.fixture
def post(make_incident, responder, client_for):
    incident = make_incident("responding")
    client = client_for(responder)

    def send(body):
        return client.post(incident_actions_url(incident), body, format="json")

    return send


@pytest.mark.parametrize(
    ("amount", "stored"),
    [("150", "150.00"), ("0.01", "0.01"), ("12.5", "12.50"), ("999999999999.99", "999999999999.99"),
     ("1000", "1000.00")],
)  # fmt: skip
def test_amounts_accepted(amount, stored, post):
    response = post({**COMPENSATION, "amount": amount})

    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == stored


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Give an amount above 0."),
        ("0.00", "Give an amount above 0."),
        ("-1", NOT_PLAIN),
        ("+1", NOT_PLAIN),
        ("1.234", NOT_PLAIN),
        ("1e3", NOT_PLAIN),
        ("1E3", NOT_PLAIN),
        ("NaN", NOT_PLAIN),
        ("Infinity", NOT_PLAIN),
        ("1,50", NOT_PLAIN),
        ("1 000", NOT_PLAIN),
        (" 12", NOT_PLAIN),
        ("012", NOT_PLAIN),
        (".5", NOT_PLAIN),
        ("5.", NOT_PLAIN),
        ("", NOT_PLAIN),
        ("١٢", NOT_PLAIN),  # Arabic-Indic digits
        ("1\x00", NOT_PLAIN),
        ("9" * 100_000, NOT_PLAIN),
        ("1000000000000", "Give an amount of at most 999999999999.99."),
        ("999999999999.999", NOT_PLAIN),
        (12, 'Give the amount as a string, e.g. "1250.50" (not a JSON number).'),
        (12.5, 'Give the amount as a string, e.g. "1250.50" (not a JSON number).'),
        (True, 'Give the amount as a string, e.g. "1250.50" (not a JSON number).'),
        (["1"], 'Give the amount as a string, e.g. "1250.50" (not a JSON number).'),
        ({"value": "1"}, 'Give the amount as a string, e.g. "1250.50" (not a JSON number).'),
        (10**400, 'Give the amount as a string, e.g. "1250.50" (not a JSON number).'),
    ],
)
def test_amounts_refused(amount, message, post):
    response = post({**COMPENSATION, "amount": amount})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == {"amount": [message]}
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("currency", "message"),
    [
        ("eur", "Write the currency code in capitals: EUR."),
        ("Usd", "Write the currency code in capitals: USD."),
        ("XXX", "XXX is not an active ISO 4217 currency code; give one such as EUR."),
        ("XTS", "XTS is not an active ISO 4217 currency code; give one such as EUR."),
        ("FRF", "FRF is not an active ISO 4217 currency code; give one such as EUR."),
        ("ABC", "ABC is not an active ISO 4217 currency code; give one such as EUR."),
        ("EURO", "Ensure this field has no more than 3 characters."),
        ("E" * 100_000, "Ensure this field has no more than 3 characters."),
        ("", "This field may not be blank."),
        ("E\x00R", "Remove the control characters (line breaks, tabs, NUL, direction overrides…); "
                   "this is a single line."),
        (978, "Give a string."),
        (None, "A compensation needs a currency: an ISO 4217 code, e.g. EUR."),
    ],
)  # fmt: skip
def test_currencies_refused(currency, message, post):
    response = post({**COMPENSATION, "currency": currency})

    assert response.status_code == 400
    assert response.json()["errors"] == {"currency": [message]}


@pytest.mark.parametrize("currency", ["EUR", "USD", "GBP", "CHF", "JPY", "XOF", "XAF"])
def test_currencies_accepted(currency, post):
    assert post({**COMPENSATION, "currency": currency}).status_code == 201


def test_a_compensation_needs_amount_and_currency(post):
    response = post({"kind": "compensation", "title": "Refund"})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "amount": ['A compensation needs an amount, e.g. "150.00".'],
        "currency": ["A compensation needs a currency: an ISO 4217 code, e.g. EUR."],
    }


@pytest.mark.parametrize("kind", ["fix", "communication", "legal", "internal", "follow_up"])
def test_other_kinds_refuse_the_compensation_fields(kind, post):
    response = post({"kind": kind, "title": "x", "amount": "10.00", "currency": "EUR",
                     "beneficiaries": 3})  # fmt: skip

    assert response.status_code == 400
    assert response.json()["errors"] == {
        name: [ONLY_COMPENSATION.format(name)] for name in ("amount", "currency", "beneficiaries")
    }


def test_other_kinds_take_nulls(post):
    body = {**FIX, "amount": None, "currency": None, "beneficiaries": None}

    assert post(body).status_code == 201


@pytest.mark.parametrize(
    ("beneficiaries", "message"),
    [
        (-1, "Ensure this value is greater than or equal to 0."),
        (10**12 + 1, "Ensure this value is less than or equal to 1000000000000."),
        (2**64, "Ensure this value is less than or equal to 1000000000000."),
        ("12", "Give a whole number (a JSON integer, not a string)."),
        (1.5, "Give a whole number (a JSON integer, not a string)."),
        (True, "Give a whole number (a JSON integer, not a string)."),
    ],
)
def test_beneficiaries_refused(beneficiaries, message, post):
    response = post({**COMPENSATION, "beneficiaries": beneficiaries})

    assert response.status_code == 400
    assert response.json()["errors"] == {"beneficiaries": [message]}


@pytest.mark.parametrize("beneficiaries", [0, 1, 10**12])
def test_beneficiaries_accepted(beneficiaries, post):
    response = post({**COMPENSATION, "beneficiaries": beneficiaries})

    assert response.status_code == 201
    assert response.json()["beneficiaries"] == beneficiaries


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"title": "x"}, {"kind": ["This field is required."]}),
        ({"kind": "fix"}, {"title": ["This field is required."]}),
        ({"kind": "repair", "title": "x"}, {"kind": ['"repair" is not a valid choice.']}),
        ({"kind": ["fix"], "title": "x"}, {"kind": ['"[\'fix\']" is not a valid choice.']}),
        ({**FIX, "title": ""}, {"title": ["This field may not be blank."]}),
        ({**FIX, "title": "a" * 201},
         {"title": ["Ensure this field has no more than 200 characters."]}),
        ({**FIX, "title": "two\nlines"}, {"title": [
            "Remove the control characters (line breaks, tabs, NUL, direction overrides…); this "
            "is a single line."]}),
        ({**FIX, "title": 12}, {"title": ["Give a string."]}),
        ({**FIX, "description": "x" * 10_001},
         {"description": ["Ensure this field has no more than 10000 characters."]}),
        ({**FIX, "description": "nul\x00"}, {"description": ["Null characters are not allowed."]}),
        ({**FIX, "status": "done"}, {"status": ["Read-only: every action starts open."]}),
        ({**FIX, "incident": "x"},
         {"incident": ["Read-only: the incident is the one in the URL."]}),
        ({**FIX, "colour": "red"}, {"colour": [UNKNOWN]}),
        ({**FIX, "owner": "nobody"}, {"owner": ["No active user is named nobody."]}),
        ({**FIX, "owner": 3}, {"owner": ["Give a username (a string)."]}),
        ({**FIX, "due_at": "2026-12-01T10:00:00"}, {"due_at": [
            "Add the UTC offset (e.g. +01:00 or Z): a date-time without one is ambiguous."]}),
        ({**FIX, "due_at": "1999-12-31T23:00:00Z"},
         {"due_at": ["Give a date-time on or after 2000-01-01."]}),
        ({**FIX, "due_at": "9999-12-31T23:59:59Z"},
         {"due_at": ["Give a date-time at most 3650 days from now."]}),
        ({**FIX, "due_at": "2026-13-01T10:00:00Z"}, {"due_at": [
            "Give an ISO 8601 date-time with its offset, e.g. 2026-11-25T10:00:00+01:00."]}),
        ({**FIX, "due_at": 1764000000}, {"due_at": [
            "Give an ISO 8601 date-time with its offset, e.g. 2026-11-25T10:00:00+01:00."]}),
    ],
)  # fmt: skip
def test_fields_refused(body, errors, post):
    response = post(body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == errors


@pytest.mark.parametrize("body", [[], "text", 12, None, [{"kind": "fix"}]])
def test_a_body_that_is_not_an_object_is_400(body, post):
    response = post(body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_deep_nesting_is_400_not_500(make_incident, responder, client_for):
    incident = make_incident()
    body = '{"title": ' + "[" * 100_000 + "]" * 100_000 + "}"

    response = client_for(responder).post(
        incident_actions_url(incident), body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_due_date_may_be_in_the_future_or_the_past(post):
    soon = (timezone.now() + timedelta(days=30)).isoformat()
    late = (timezone.now() - timedelta(days=1)).isoformat()

    assert post({**FIX, "due_at": soon}).json()["overdue"] is False
    assert post({**FIX, "due_at": late}).json()["overdue"] is True


# --- The owner: an active responder or manager who can see the incident ------------------------


def test_the_owner_must_be_able_to_do_the_action(post, make_user):
    make_user("viewer", username="victor")
    make_user(None, username="nora")

    for name in ("victor", "nora"):
        response = post({**FIX, "owner": name})
        assert response.status_code == 400
        assert response.json()["errors"] == {
            "owner": [f"{name} cannot own actions; give them the responder or manager role."]
        }


def test_an_inactive_owner_is_refused(post, make_user):
    user = make_user("responder", username="gone")
    user.is_active = False
    user.save()

    assert post({**FIX, "owner": "gone"}).json()["errors"] == {
        "owner": ["No active user is named gone."]
    }


def test_the_owner_must_see_a_confidential_incident(make_incident, manager, make_user,
                                                    client_for):  # fmt: skip
    insider = make_user("responder", username="insider")
    make_user("responder", username="outsider")
    incident = make_incident("responding", actor=manager, is_confidential=True,
                             participants=[insider])  # fmt: skip
    client = client_for(manager)
    url = incident_actions_url(incident)

    refused = client.post(url, {**FIX, "owner": "outsider"}, format="json")
    accepted = client.post(url, {**FIX, "owner": "insider"}, format="json")

    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "owner": ["outsider cannot see this confidential incident; add them to its participants "
                  "first, or choose someone who can see it."]
    }  # fmt: skip
    assert accepted.status_code == 201


# --- PATCH keeps the compensation rule ---------------------------------------------------------


@pytest.fixture
def patch(responder, client_for):
    client = client_for(responder)

    def send(action, body):
        return client.patch(action_url(action), body, format="json")

    return send


def test_patch_a_fix_into_a_compensation(make_action, patch):
    action = make_action()

    refused = patch(action, {"kind": "compensation"})
    accepted = patch(action, {"kind": "compensation", "amount": "40.00", "currency": "USD",
                              "beneficiaries": 4})  # fmt: skip

    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        "amount": ['A compensation needs an amount, e.g. "150.00".'],
        "currency": ["A compensation needs a currency: an ISO 4217 code, e.g. EUR."],
    }
    assert accepted.status_code == 200, accepted.json()
    assert (accepted.json()["amount"], accepted.json()["currency"]) == ("40.00", "USD")


def test_patch_a_compensation_into_a_fix(make_action, patch):
    action = make_action(
        kind="compensation", amount=Decimal("40.00"), currency="EUR", beneficiaries=4
    )

    refused = patch(action, {"kind": "fix"})
    accepted = patch(action, {"kind": "fix", "amount": None, "currency": None,
                              "beneficiaries": None})  # fmt: skip

    assert refused.status_code == 400
    assert refused.json()["errors"] == {
        name: [ONLY_COMPENSATION.format(name)] for name in ("amount", "currency", "beneficiaries")
    }
    assert accepted.status_code == 200
    body = accepted.json()
    assert (body["kind"], body["amount"], body["currency"], body["beneficiaries"]) == (
        "fix", None, None, None,
    )  # fmt: skip
    stored = Action.objects.get(pk=action.pk)
    assert (stored.amount, stored.currency, stored.beneficiaries) == (None, "", None)


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"amount": None}, {"amount": ['A compensation needs an amount, e.g. "150.00".']}),
        ({"currency": None},
         {"currency": ["A compensation needs a currency: an ISO 4217 code, e.g. EUR."]}),
        ({"amount": "0"}, {"amount": ["Give an amount above 0."]}),
        ({"kind": None}, {"kind": ["This field may not be null."]}),
        ({"title": None}, {"title": ["This field may not be null."]}),
    ],
)  # fmt: skip
def test_patch_cannot_break_a_compensation(body, errors, make_action, patch):
    action = make_action(kind="compensation", amount=Decimal("40.00"), currency="EUR")

    response = patch(action, body)

    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert Action.objects.get(pk=action.pk).version == 1


def test_patch_refuses_a_fix_an_amount(make_action, patch):
    action = make_action()

    response = patch(action, {"amount": "10.00"})

    assert response.status_code == 400
    assert response.json()["errors"] == {"amount": [ONLY_COMPENSATION.format("amount")]}


def test_patch_the_owner_follows_the_rule(make_action, patch, make_user):
    action = make_action()
    make_user("viewer", username="victor")

    response = patch(action, {"owner": "victor"})

    assert response.status_code == 400
    assert response.json()["errors"] == {
        "owner": ["victor cannot own actions; give them the responder or manager role."]
    }
