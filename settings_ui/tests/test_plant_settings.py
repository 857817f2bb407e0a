"""Plant settings: prefilled from getPlant, validated, only changed fields previewed, applied, re-read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from growatt import GrowattTransportError, SettingRejected
from settings_ui.forms import PlantSettingsForm, current_plant_values
from settings_ui.models import SettingChange
from settings_ui.tests.conftest import load
from settings_ui.tests.test_schedule_flow import hidden_fields

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)


def form_data(**changes) -> dict:
    """The form as Growatt's fixture prefills it, with some fields changed."""
    data = {k: "" if v is None else str(v) for k, v in current_plant_values(load("plant_settings.json")).items()}
    data.update({k: str(v) for k, v in changes.items()})
    return data


def make_form(**changes) -> PlantSettingsForm:
    return PlantSettingsForm(form_data(**changes), reply=load("plant_settings.json"), today=TODAY)


def test_form_is_prefilled_from_growatt_with_typed_values():
    form = PlantSettingsForm(reply=load("plant_settings.json"), today=TODAY)
    assert form.initial["name"] == "Home"
    assert form.initial["timezone"] == 0
    assert str(form.initial["latitude"]) == "52.2"
    assert form.initial["installed_on"] == dt.date(2021, 5, 3)
    assert ("gbp", "GBP (gbp)") in form.fields["currency"].choices


@pytest.mark.parametrize(("field", "value", "message"), [
    ("latitude", "90.5", "less than or equal to 90"),
    ("latitude", "-91", "greater than or equal to -90"),
    ("longitude", "180.01", "less than or equal to 180"),
    ("longitude", "-200", "greater than or equal to -180"),
    ("timezone", "15", "less than or equal to 14"),
    ("timezone", "-13", "greater than or equal to -12"),
    ("timezone", "1.5", "whole number"),
    ("nominal_power", "0", "greater than or equal to 1"),
    ("nominal_power", "-5", "greater than or equal to 1"),
    ("installed_on", "2026-11-26", "cannot be in the future"),
    ("installed_on", "yesterday", "valid date"),
    ("name", "   ", "required"),
    ("currency", "bitcoin", "Select a valid choice"),
    ("income_per_kwh", "-0.1", "greater than or equal to 0"),
    ("co2", "abc", "number"),
    ("plant_type", "7", "Select a valid choice"),
])
def test_each_rule_is_checked_with_a_clear_message(field, value, message):
    form = make_form(**{field: value})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_boundaries_are_accepted():
    form = make_form(latitude="-90", longitude="180", timezone="14", nominal_power="1", installed_on="2026-11-25")
    assert form.is_valid(), form.errors


def test_only_changed_fields_are_listed_and_formatted_as_growatt_takes_them():
    form = make_form(name="Home sweet home", latitude="52.2000", nominal_power="4100", income_per_kwh="0.150")
    assert form.is_valid(), form.errors
    assert form.multipart_changes() == {"plantName": "Home sweet home", "plantPower": "4100"}


def url(name, plant, *args):
    return reverse(f"settings_ui:{name}", args=[plant.pk, *args])


def test_plant_settings_round_trip(owner_client, plant, fake_growatt):
    page = owner_client.get(url("plant_settings", plant))
    assert page.status_code == 200 and b'value="Home"' in page.content
    data = form_data(name="Villa Sonnenschein", latitude="52.52", longitude="13.405", timezone="1",
                     fingerprint=page.context["form"].initial["fingerprint"])
    preview = owner_client.post(url("plant_settings_preview", plant), data)
    assert preview.status_code == 200
    rows = {row["field"]: (row["old"], row["new"]) for row in preview.context["rows"]}
    assert rows == {"plantName": ("Home", "Villa Sonnenschein"), "plantTimezone": ("0", "1"),
                    "plantLat": ("52.2", "52.52"), "plantLng": ("0.12", "13.405")}
    assert preview.context["timezone_changed"]
    sent = {name: value for name, value, _ in preview.context["sent"]}
    assert len(sent) == 18 and sent["plantFirm"] == "0" and sent["plantCity"] == "Cambridge"

    confirm = owner_client.post(url("plant_settings_confirm", plant), hidden_fields(preview.content.decode()))
    assert confirm.status_code == 302
    method, (plant_id, changed, current) = fake_growatt.writes[0]
    assert method == "update_plant_settings" and plant_id == "2016929"
    assert changed == {"plantName": "Villa Sonnenschein", "plantTimezone": "1", "plantLat": "52.52",
                       "plantLng": "13.405"}
    entry = SettingChange.objects.get()
    assert (entry.outcome, entry.readback) == ("success", "matched")
    assert entry.old_value == {"name": "Home", "timezone": "0", "latitude": "52.2", "longitude": "0.12"}
    assert entry.params["plantName"] == "Villa Sonnenschein" and entry.device is None
    plant.refresh_from_db()
    assert plant.name == "Villa Sonnenschein" and plant.latitude == 52.52


def test_nothing_changed_is_said_and_nothing_sent(owner_client, plant, fake_growatt):
    response = owner_client.post(url("plant_settings_preview", plant), form_data())
    assert b"Nothing is different" in response.content
    assert fake_growatt.writes == []


def test_invalid_input_keeps_every_typed_value(owner_client, plant, fake_growatt):
    response = owner_client.post(url("plant_settings_preview", plant),
                                 form_data(name="New name", latitude="123", city="Ely"))
    assert response.status_code == 200
    assert b'value="New name"' in response.content and b'value="Ely"' in response.content
    assert b'value="123"' in response.content and "less than or equal to 90" in response.content.decode()


def test_rejected_and_failed_plant_writes_are_audited(owner_client, plant, fake_growatt):
    preview = owner_client.post(url("plant_settings_preview", plant), form_data(city="Ely"))
    fake_growatt.next_write_error = SettingRejected("no", msg="plant_set_failure")
    owner_client.post(url("plant_settings_confirm", plant), hidden_fields(preview.content.decode()))
    entry = SettingChange.objects.get()
    assert entry.outcome == "rejected" and "plant_set_failure" in entry.message

    preview = owner_client.post(url("plant_settings_preview", plant), form_data(city="Ely"))
    fake_growatt.next_write_error = GrowattTransportError("HTTP 502", status=502)
    response = owner_client.post(url("plant_settings_confirm", plant), hidden_fields(preview.content.decode()))
    entry = SettingChange.objects.first()
    assert entry.outcome == "unknown" and entry.readback == "differs"
    assert b"Outcome unknown" in owner_client.get(response.url).content


def test_unreadable_plant_settings_block_the_form_with_a_clear_message(owner_client, plant, fake_growatt):
    fake_growatt.read_error = GrowattTransportError("HTTP 503", status=503)
    page = owner_client.get(url("plant_settings", plant))
    assert page.status_code == 200
    assert b"Could not read the plant's settings from Growatt" in page.content
    assert page.context["form"] is None


def test_settings_changed_on_growatt_meanwhile_are_reported_before_sending(owner_client, plant, fake_growatt):
    fp = owner_client.get(url("plant_settings", plant)).context["form"].initial["fingerprint"]
    preview = owner_client.post(url("plant_settings_preview", plant), form_data(city="Ely", fingerprint=fp))
    fake_growatt.plant_settings["2016929"]["plantAddress"] = "2 Other Street"
    stale = owner_client.post(url("plant_settings_confirm", plant), hidden_fields(preview.content.decode()))
    assert stale.status_code == 200 and stale.context["changed_meanwhile"]
    assert fake_growatt.writes == []
