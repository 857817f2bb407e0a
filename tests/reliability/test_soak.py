"""The fault soak and the lockout, shortened for the suite (benchmarks/soak.py runs the long versions).

Both drive the real beat dispatcher and sync task in-process against the simulator, with
time moved one simulated minute per beat, and check the same targets the script prints.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from benchmarks.soak import SoakConfig, run_lockout, run_soak

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_four_faulty_hours_across_midnight_and_dst_lose_nothing():
    # 21:30 UTC on 2026-03-28: Berlin, London, Lisbon and New York cross plant-local midnight,
    # and Europe changes to summer time at 01:00 UTC (a 23-hour day).
    config = SoakConfig(hours=4, start="2026-03-28T21:30:00+00:00", seed=11)
    config.faults["session_drop"] = {"p": 0.006}  # a few early session losses even in a short run
    report = run_soak(config)
    text = "\n".join(report.lines())
    print(text)
    checks = report.checks()
    assert all(checks.values()), text
    # The run really was hostile, and really covered every plant and a day boundary.
    assert report.fault_share >= 0.20, text
    assert {"http_500", "waf_405", "drop_connection", "malformed_json"} <= set(report.faults), text
    assert report.timeouts > 0, text
    assert report.expiries_dropped >= 1 and report.logins > report.accounts, text  # sessions were renewed
    assert len(report.plants) == 5, text
    assert all(p.days >= 3 and p.expected > 0 for p in report.plants), text
    assert report.outcomes.get("error", 0) + report.outcomes.get("partial", 0) > 0, text


def test_a_507_mid_run_stops_all_calls_until_the_lock_ends_then_backfills_the_gap():
    seen = {}

    def page_check(account):
        client = Client()
        client.force_login(account.owner)
        page = client.get(reverse("account_detail", args=[account.pk])).content.decode()
        until = timezone.localtime(account.locked_until)
        seen["page"] = page
        return "Locked until" in page and f"{until:%Y-%m-%d %H:%M}" in page

    report = run_lockout(before_hours=1, after_hours=1, page_check=page_check)
    text = "\n".join(report.lines())
    print(text)
    assert report.page_shows_end is not None
    assert all(report.checks().values()), text + "\n" + seen.get("page", "")[:3000]
    assert report.requests_during_lock == 0
    assert report.gap_expected > 200, text  # a whole day of samples per plant came back
