"""Inverter clock: inverter time next to plant time, drift, one click to set it (DST-correct)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from growatt import SettingRejected
from settings_ui.models import SettingChange
from settings_ui.tests.test_schedule_flow import hidden_fields
from settings_ui.views import drift_text

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def url(name, plant, *args):
    return reverse(f"settings_ui:{name}", args=[plant.pk, *args])


def set_clock(client, plant, device):
    preview = client.post(url("clock_preview", plant, device.pk))
    assert preview.status_code == 200, preview.content[:500]
    return preview, client.post(url("clock_confirm", plant, device.pk), hidden_fields(preview.content.decode()))


@pytest.mark.parametrize(("utc_now", "expected"), [
    (dt.datetime(2026, 11, 25, 10, 0, 5, tzinfo=UTC), "2026-11-25 11:00:05"),  # CET, UTC+1
    (dt.datetime(2026, 7, 1, 10, 0, 5, tzinfo=UTC), "2026-07-01 12:00:05"),  # CEST, UTC+2
    (dt.datetime(2026, 3, 29, 0, 59, 0, tzinfo=UTC), "2026-03-29 01:59:00"),  # just before the spring jump
    (dt.datetime(2026, 3, 29, 1, 0, 0, tzinfo=UTC), "2026-03-29 03:00:00"),  # just after it
    (dt.datetime(2026, 10, 25, 0, 30, 0, tzinfo=UTC), "2026-10-25 02:30:00"),  # first 02:30 in autumn
    (dt.datetime(2026, 10, 25, 1, 30, 0, tzinfo=UTC), "2026-10-25 02:30:00"),  # the repeated 02:30
])
def test_clock_is_set_to_plant_local_time_across_daylight_saving(owner_client, plant, mix, fake_growatt,
                                                                 utc_now, expected):
    with time_machine.travel(utc_now, tick=False):
        preview, confirm = set_clock(owner_client, plant, mix)
    assert preview.context["params"][0]["value"] == expected
    assert fake_growatt.writes == [("update_mix_inverter_setting", ("SPH0000001", "pf_sys_year", [expected]))]
    entry = SettingChange.objects.get()
    assert entry.new_value == {"inverter_time": expected}
    assert entry.old_value == {"inverter_time": "2023-12-19 21:11:58"}
    assert (entry.outcome, entry.readback) == ("success", "matched")


def test_clock_page_shows_inverter_time_plant_time_and_drift(owner_client, plant, mix, fake_growatt):
    fake_growatt.beans["SPH0000001"]["sysTime"] = "2026-11-25 11:03:20"
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC), tick=False):
        page = owner_client.get(url("clock", plant, mix.pk))
    clock = page.context["clock"]
    assert clock["inverter"] == dt.datetime(2026, 11, 25, 11, 3, 20)
    assert clock["local_now"] == dt.datetime(2026, 11, 25, 11, 0, 0)
    assert clock["drift"] == 200 and clock["drift_text"] == "3 min ahead of plant time"
    assert b"11:03:20" in page.content and b"Europe/Berlin" in page.content


def test_clock_falls_back_to_the_device_detail_when_growatt_gives_no_bean(owner_client, plant, spa, fake_growatt):
    fake_growatt.no_readback.add(spa.serial)
    spa.detail = {"time": "2026-11-25 10:58:00"}
    spa.save()
    with time_machine.travel(dt.datetime(2026, 11, 25, 10, 0, 0, tzinfo=UTC), tick=False):
        page = owner_client.get(url("clock", plant, spa.pk))
        assert page.context["clock"]["drift_text"] == "2 min behind plant time"
        assert b"last reported" in page.content
        _, confirm = set_clock(owner_client, plant, spa)
    method, (serial, setting, params) = fake_growatt.writes[0]
    assert method == "update_ac_inverter_setting" and params == ["2026-11-25 11:00:00"]
    assert SettingChange.objects.get().readback == "unavailable"


def test_rejected_clock_write_is_explained(owner_client, plant, mix, fake_growatt):
    fake_growatt.next_write_error = SettingRejected("no", msg="inv_set_time_format")
    _, confirm = set_clock(owner_client, plant, mix)
    assert "time format" in owner_client.get(confirm.url).content.decode()
    assert SettingChange.objects.get().outcome == "rejected"


@pytest.mark.parametrize(("seconds", "text"), [
    (0, "in step (less than a minute apart)"), (-59, "in step (less than a minute apart)"),
    (61, "1 min ahead of plant time"), (-3600, "1 h 0 min behind plant time"),
    (3 * 3600 + 125, "3 h 2 min ahead of plant time"),
])
def test_drift_in_words(seconds, text):
    assert drift_text(seconds) == text
