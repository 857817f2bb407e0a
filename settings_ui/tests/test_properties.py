"""Property tests over arbitrary form input: never a 500, never an invalid parameter list sent."""

from __future__ import annotations

import datetime as dt
import secrets

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from growatt.schedules import params_to_bean_fields, schedule_from_params
from settings_ui.forms import PlantSettingsForm, ScheduleForm
from settings_ui.schedules import KINDS, schedule_value
from settings_ui.tests.conftest import load

pytestmark = pytest.mark.django_db

times = st.one_of(
    st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.integers(0, 59)),
    st.builds(lambda h, m: f"{h}:{m}", st.integers(-5, 30), st.integers(-5, 75)),
    st.sampled_from(["", " ", "24:00", "12:30:15", "7.30", "00:00", "23:59", "noon", "12:3a"]),
    st.text(max_size=12),
)
numbers = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.sampled_from(["", "0", "100", "101", "-1", "1e2", "50.5", "NaN", "  42 ", "１２"]),
    st.text(max_size=8),
)
switches = st.one_of(st.none(), st.sampled_from(["on", "True", "False", "1", "0", ""]), st.text(max_size=5))


@st.composite
def schedule_posts(draw):
    data = {"power": draw(numbers), "stop_soc": draw(numbers)}
    switch = draw(switches)
    if switch is not None:
        data["ac_charge"] = switch
    for n in (1, 2, 3):
        data[f"slot{n}_start"] = draw(times)
        data[f"slot{n}_end"] = draw(times)
        on = draw(st.one_of(switches, st.just("on")))
        if on is not None:
            data[f"slot{n}_enabled"] = on
    if draw(st.booleans()):
        data["fingerprint"] = draw(st.text(max_size=70))
    return data


@st.composite
def plausible_schedule_posts(draw):
    """Input a person might really type: mostly in range, slots that sometimes overlap."""
    hm = st.builds(lambda h, m: f"{h:02d}:{m:02d}", st.integers(0, 23), st.sampled_from([0, 15, 30, 45, 59]))
    data = {"power": str(draw(st.integers(-5, 105))), "stop_soc": str(draw(st.integers(-5, 105)))}
    if draw(st.booleans()):
        data["ac_charge"] = "on"
    for n in (1, 2, 3):
        data[f"slot{n}_start"] = draw(hm)
        data[f"slot{n}_end"] = draw(hm)
        if draw(st.booleans()):
            data[f"slot{n}_enabled"] = "on"
    return data


def assert_sendable(setting_type: str, params) -> None:
    """What a correct client would send: right count, all strings, parseable, within every rule."""
    count = 18 if setting_type == "mix_ac_charge_time_period" else 17
    assert isinstance(params, list) and len(params) == count
    assert all(isinstance(p, str) and p.isdigit() for p in params), params
    schedule = schedule_from_params(setting_type, params)
    assert schedule.problems() == []
    assert 0 <= int(params[0]) <= 100 and 0 <= int(params[1]) <= 100
    params_to_bean_fields(setting_type, params)  # what the server stores parses too


@pytest.mark.parametrize("slug", sorted(KINDS))
@settings(max_examples=300, deadline=None)
@given(data=st.one_of(schedule_posts(), plausible_schedule_posts()))
def test_schedule_form_never_crashes_and_valid_means_sendable(slug, data):
    kind = KINDS[slug]
    form = ScheduleForm(data, kind=kind)
    if form.is_valid():
        params = form.schedule.to_params()
        assert_sendable(kind.setting_type, params)
        # and the stored value round-trips to the same parameters
        again = schedule_from_params(kind.setting_type, params)
        assert schedule_value(again) == schedule_value(form.schedule)
    else:
        assert form.errors  # every refusal says why


@settings(max_examples=200, deadline=None)
@given(slots=st.lists(st.tuples(st.integers(0, 1439), st.integers(0, 1439), st.booleans()),
                      min_size=3, max_size=3),
       power=st.integers(0, 100), soc=st.integers(0, 100))
def test_well_formed_schedules_are_valid_exactly_when_enabled_slots_are_disjoint(slots, power, soc):
    data = {"power": str(power), "stop_soc": str(soc), "ac_charge": "on"}
    for n, (start, end, on) in enumerate(slots, start=1):
        data[f"slot{n}_start"] = f"{start // 60:02d}:{start % 60:02d}"
        data[f"slot{n}_end"] = f"{end // 60:02d}:{end % 60:02d}"
        if on:
            data[f"slot{n}_enabled"] = "on"

    def minutes(start, end):
        if start <= end:
            return set(range(start, end))
        return set(range(start, 1440)) | set(range(0, end))

    enabled = [minutes(s, e) for s, e, on in slots if on]
    ok = all(s != e for s, e, on in slots if on) and all(
        not (a & b) for i, a in enumerate(enabled) for b in enabled[i + 1:])
    form = ScheduleForm(data, kind=KINDS["charge"])
    assert form.is_valid() == ok, (data, form.errors)


texts = st.one_of(st.text(max_size=30), st.sampled_from(["", "0", "-1", "90.0000001", "1e400", "2030-01-01",
                                                         "2021-05-03", "gbp", "Home", "52.2"]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(st.sampled_from(["name", "address", "city", "country", "timezone", "latitude",
                                             "longitude", "nominal_power", "installed_on", "income_per_kwh",
                                             "currency", "co2", "so2", "coal", "plant_type", "fingerprint"]),
                            texts))
def test_plant_settings_form_never_crashes_and_valid_values_are_in_range(data):
    form = PlantSettingsForm(data, reply=load("plant_settings.json"), today=dt.date(2026, 11, 25))
    if not form.is_valid():
        assert form.errors
        return
    changed = form.multipart_changes()
    assert all(isinstance(v, str) for v in changed.values())
    values = form.cleaned_data
    assert -90 <= values["latitude"] <= 90 and -180 <= values["longitude"] <= 180
    assert -12 <= values["timezone"] <= 14 and values["nominal_power"] > 0
    assert values["installed_on"] <= dt.date(2026, 11, 25) and values["name"].strip()
    assert values["currency"] in {"gbp", "eur", "usd", "euro", "dollar", "rmb"}


# --------------------------------------------------------------------------------------
# Through the views: arbitrary POSTs to preview and confirm, every write captured
# --------------------------------------------------------------------------------------

# A fresh valid token most of the time (a reused one is answered from the log, as a double click is).
tokens = st.one_of(st.builds(lambda: secrets.token_hex(16)), st.builds(lambda: secrets.token_hex(16)),
                   st.text(max_size=40))
plausible_plant = st.fixed_dictionaries({}, optional={
    "name": st.text(min_size=0, max_size=20),
    "timezone": st.integers(-14, 16).map(str),
    "latitude": st.decimals(-95, 95, places=3).map(str),
    "longitude": st.decimals(-185, 185, places=4).map(str),
    "nominal_power": st.integers(-10, 20000).map(str),
    "installed_on": st.dates(dt.date(1985, 1, 1), dt.date(2027, 12, 31)).map(str),
    "currency": st.sampled_from(["gbp", "eur", "usd", "xxx"]),
    "plant_type": st.sampled_from(["0", "1", "2", "3"]),
    "co2": st.decimals(-1, 2, places=2).map(str),
})


@pytest.mark.parametrize("slug", sorted(KINDS))
@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.one_of(schedule_posts(), plausible_schedule_posts(), plausible_schedule_posts()),
       token=tokens, fresh=st.booleans())
def test_any_post_to_preview_or_confirm_is_answered_and_sends_only_valid_lists(
        owner_client, plant, fake_growatt, slug, data, token, fresh):
    kind = KINDS[slug]
    device = plant.devices.get(kind=kind.device_kind)
    if fresh:  # the fingerprint of a form just loaded, so that valid input really is sent
        edit = owner_client.get(reverse("settings_ui:schedule_edit", args=[plant.pk, device.pk, slug]))
        data = {**data, "fingerprint": edit.context["form"].initial["fingerprint"]}
    for step in ("schedule_preview", "schedule_confirm"):
        address = reverse(f"settings_ui:{step}", args=[plant.pk, device.pk, slug])
        response = owner_client.post(address, {**data, "token": token})
        assert response.status_code in (200, 302), (step, response.status_code)
    event(f"writes: {len(fake_growatt.writes)}")
    for _method, (serial, setting_type, params) in fake_growatt.writes:
        assert serial == device.serial and setting_type == kind.setting_type
        assert_sendable(setting_type, params)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(changes=st.one_of(plausible_plant, plausible_plant, st.dictionaries(
           st.sampled_from(["name", "timezone", "latitude", "longitude", "nominal_power", "installed_on",
                            "currency", "plant_type", "co2"]), texts)),
       token=tokens, fresh=st.booleans())
def test_any_post_to_plant_settings_is_answered_and_sends_only_valid_values(
        owner_client, plant, fake_growatt, changes, token, fresh):
    from settings_ui.tests.test_plant_settings import form_data

    data = {**form_data(), **changes, "token": token}
    if fresh:
        edit = owner_client.get(reverse("settings_ui:plant_settings", args=[plant.pk]))
        data["fingerprint"] = edit.context["form"].initial["fingerprint"]
    for step in ("plant_settings_preview", "plant_settings_confirm"):
        response = owner_client.post(reverse(f"settings_ui:{step}", args=[plant.pk]), data)
        assert response.status_code in (200, 302)
    event(f"writes: {len(fake_growatt.writes)}")
    for method, (_plant_id, changed, _current) in fake_growatt.writes:
        assert method == "update_plant_settings" and changed
        if "plantLat" in changed:
            assert -90 <= float(changed["plantLat"]) <= 90
        if "plantTimezone" in changed:
            assert -12 <= int(changed["plantTimezone"]) <= 14
        if "plantPower" in changed:
            assert int(changed["plantPower"]) > 0
