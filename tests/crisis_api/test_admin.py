"""The token admin: last use in the list, lifetimes bounded in the issue form, revoke action."""

from datetime import timedelta

import pytest
from django.urls import reverse

from crisis_api.auth.token_use import api_token_touch
from crisis_api.auth.tokens import api_token_issue, api_token_revoke
from crisis_api.models import ApiToken, Event

ADD = reverse("admin:crisis_api_apitoken_add")
LIST = reverse("admin:crisis_api_apitoken_changelist")


def test_list_shows_last_used(manager, admin_client_for):
    token, _ = api_token_issue(user=manager)
    api_token_touch(token=token)

    page = admin_client_for(manager).get(LIST)

    assert page.status_code == 200
    assert "column-last_used_at" in page.content.decode()
    assert page.context["cl"].result_list[0].last_used_at is not None


def test_issue_form_states_the_bounds(manager, admin_client_for, settings):
    settings.API_TOKEN_MAX_DAYS = 180
    settings.API_TOKEN_DEFAULT_DAYS = 30

    page = admin_client_for(manager).get(ADD)

    days = page.context["adminform"].form.fields["days"]
    assert days.help_text == (
        "Lifetime in days, from 1 to 180 (API_TOKEN_MAX_DAYS): every token expires. Default 30."
    )
    assert days.initial == 30
    assert 'max="180"' in page.content.decode()


@pytest.mark.parametrize(
    ("days", "message"),
    [
        (0, "Ensure this value is greater than or equal to 1."),
        (181, "Ensure this value is less than or equal to 180."),
    ],
)
def test_issue_form_refuses_days_outside_bounds(days, message, manager, admin_client_for, settings):
    settings.API_TOKEN_MAX_DAYS = 180

    page = admin_client_for(manager).post(ADD, {"user": manager.pk, "name": "bot", "days": days})

    assert page.status_code == 200
    assert page.context["adminform"].form.errors["days"] == [message]
    assert not ApiToken.objects.exists()


def test_issue_within_bounds_expires(manager, admin_client_for):
    page = admin_client_for(manager).post(ADD, {"user": manager.pk, "name": "bot", "days": 1})

    token = ApiToken.objects.get()
    assert page.context["secret"].startswith(token.prefix)
    assert token.expires_at - token.created_at <= timedelta(days=1)


def test_revoke_action_revokes_only_live_tokens(manager, admin_client_for):
    live, _ = api_token_issue(user=manager)
    gone, _ = api_token_issue(user=manager)
    api_token_revoke(token=gone)

    response = admin_client_for(manager).post(
        LIST, {"action": "revoke", "_selected_action": [live.pk, gone.pk]}, follow=True
    )

    assert "Revoked 1 token(s)." in response.content.decode()
    assert Event.objects.filter(action="api_token.revoked").count() == 2
    live.refresh_from_db()
    assert live.revoked_at is not None
