"""Signals in the admin: the incident page's panels, the prefilled assess form, signals."""

import pytest
from django.urls import reverse

from incidents.monitoring.models import Signal
from tests.incidents.test_admin import change_url, transition_url
from tests.monitoring.test_ingestion import CAMPAIGN
from tests.monitoring.test_summary_and_suggestion import feed


@pytest.fixture
def manager_client(admin_client_for, manager):
    return admin_client_for(manager)


@pytest.fixture
def campaign(make_incident, make_user):
    incident = make_incident("detected")
    feeder = make_user("monitor")
    copies = [
        {"author": f"@bot{i}", "content": CAMPAIGN + "!" * i, "minutes_ago": 50 - i,
         "reach": 9000, "url": f"https://x.com/bot{i}/status/{i}"}
        for i in range(12)
    ]  # fmt: skip
    feed(feeder, incident, *copies)
    return incident


def test_the_incident_page_shows_the_summary_chart_suggestion_and_latest_signals(
    manager_client, campaign
):
    page = manager_client.get(change_url(campaign)).content.decode()
    chart = page.split('<svg class="crisis-hourly"')[1].split("</svg>")[0]
    assert chart.count("<rect ") == 48 and "<script" not in chart
    assert 'id="crisis-suggestion"' in page
    assert "12 distinct authors posted near-identical text within 120 minutes" in page
    assert page.count('href="https://x.com/bot') == 10  # the latest ten, with links
    assert 'rel="noopener noreferrer nofollow"' in page


def test_an_incident_without_signals_says_so(manager_client, make_incident):
    page = manager_client.get(change_url(make_incident("detected"))).content.decode()
    assert "No signals yet." in page


def test_the_assess_form_is_prefilled_with_the_suggestion_beside_it(manager_client, campaign):
    response = manager_client.get(transition_url(campaign, "assess"))
    form = response.context["form"]
    assert form.initial["severity"] == "high"  # 12 signals of 9,000 reach, coordinated
    assert form.initial["scope"] == "coordinated"
    assert form.initial["estimated_reach"] == 108_000
    assert "12 distinct authors" in form.initial["rationale"]
    page = response.content.decode()
    assert 'id="transition-aside"' in page and "A suggestion only: you decide." in page


def test_the_suggestion_is_not_applied_until_a_person_submits(manager_client, campaign):
    manager_client.get(transition_url(campaign, "assess"))
    campaign.refresh_from_db()
    assert campaign.status == "detected" and campaign.severity == ""


def test_signals_are_read_only_in_the_admin(manager_client, campaign):
    signal = Signal.objects.filter(incident=campaign).first()
    changelist = manager_client.get(reverse("admin:monitoring_signal_changelist"))
    assert changelist.status_code == 200
    assert manager_client.get(reverse("admin:monitoring_signal_add")).status_code == 403
    page = manager_client.get(reverse("admin:monitoring_signal_change", args=[signal.pk]))
    assert page.status_code == 200 and b'type="submit" value="Save"' not in page.content


def test_french_panels(manager_client, campaign):
    page = manager_client.get(change_url(campaign), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Ce que suggèrent les signaux" in page


def test_signal_admin_hides_confidential_incidents_signals_from_no_one_who_may_see(
    manager_client, campaign
):
    # Managers see every confidential incident: the filter keeps their signals.
    campaign.is_confidential = True
    campaign.save(update_fields=["is_confidential"])
    changelist = manager_client.get(reverse("admin:monitoring_signal_changelist"))
    assert changelist.context["cl"].result_count == 12
