"""Edit → preview → confirm → read back for the battery schedules, with Growatt faked at the seam."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from growatt import GrowattTimeout, MixChargeSchedule, SettingRejected
from settings_ui.models import Acknowledgement, SettingChange
from settings_ui.tests.conftest import charge_data

pytestmark = pytest.mark.django_db


def url(name, plant, *args):
    return reverse(f"settings_ui:{name}", args=[plant.pk, *args])


def hidden_fields(html: str) -> dict:
    """The confirm form's hidden inputs, as the browser would post them."""
    form = html[html.index('class="card st-confirm"'):]
    form = form[:form.index("</form>")]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))


def preview_and_confirm(client, plant, device, slug, data):
    preview = client.post(url("schedule_preview", plant, device.pk, slug), data)
    assert preview.status_code == 200
    assert b"Exactly what will be sent" in preview.content, preview.content.decode()[:3000]
    confirm = client.post(url("schedule_confirm", plant, device.pk, slug), hidden_fields(preview.content.decode()))
    assert confirm.status_code == 302
    return preview, confirm


def test_edit_page_is_prefilled_from_the_inverters_read_back(owner_client, plant, mix):
    response = owner_client.get(url("schedule_edit", plant, mix.pk, "charge"))
    assert response.status_code == 200
    form = response.context["form"]
    # mix_set_params.json: power 100, SOC 100, AC on, slot 1 1:0–2:0 off, slot 2 4:0–6:0 on
    assert form.initial["power"] == 100
    assert form.initial["slot2_enabled"] is True
    assert f"{form.initial['slot2_start']:%H:%M}" == "04:00"
    assert response.context["current"].source == "growatt"
    assert b"param" not in response.content  # no raw parameter inputs on the form
    assert b'type="time"' in response.content


def test_charge_schedule_preview_shows_exact_params_then_confirm_writes_and_reads_back(
        owner_client, plant, mix, fake_growatt):
    data = charge_data(power="80", soc="90", slots=(("23:30", "05:30", True), ("12:00", "13:00", False)))
    preview, confirm = preview_and_confirm(owner_client, plant, mix, "charge", data)
    expected = ["80", "90", "1", "23", "30", "05", "30", "1", "12", "00", "13", "00", "0",
                "00", "00", "00", "00", "0"]
    shown = [p["value"] for p in preview.context["params"]]
    assert shown == expected
    assert fake_growatt.writes == [
        ("update_mix_inverter_setting", ("SPH0000001", "mix_ac_charge_time_period", expected))
    ]
    entry = SettingChange.objects.get()
    assert confirm.url == url("audit_entry", plant, entry.pk)
    assert entry.outcome == "success" and entry.readback == "matched"
    assert entry.params == expected
    assert entry.old_value["slots"][1] == {"start": "04:00", "end": "06:00", "enabled": True}
    assert entry.new_value["slots"][0] == {"start": "23:30", "end": "05:30", "enabled": True}
    assert entry.user.username == "olivia" and entry.device == mix
    assert fake_growatt.beans["SPH0000001"]["forcedChargeTimeStart1"] == "23:30"

    result = owner_client.get(confirm.url)
    assert b"Done." in result.content
    overview = owner_client.get(url("schedules", plant))
    charge = overview.context["cards"][0]["currents"][0]
    assert charge.value["power"] == 80 and charge.value["slots"][0]["start"] == "23:30"


def test_discharge_schedule_round_trip(owner_client, plant, mix, fake_growatt):
    data = {"power": "60", "stop_soc": "25", "slot1_enabled": "on", "slot1_start": "17:00", "slot1_end": "20:00",
            "slot2_start": "", "slot2_end": "", "slot3_start": "", "slot3_end": ""}
    preview_and_confirm(owner_client, plant, mix, "discharge", data)
    method, (serial, setting, params) = fake_growatt.writes[0]
    assert setting == "mix_ac_discharge_time_period" and len(params) == 17
    assert params[:7] == ["60", "25", "17", "00", "20", "00", "1"]
    bean = fake_growatt.beans["SPH0000001"]
    assert bean["wdisChargeSOCLowLimit2"] == "25" and bean["forcedDischargeStopSwitch1"] == "1"
    assert SettingChange.objects.get().readback == "matched"


def test_spa_schedule_uses_the_ac_inverter_call_and_has_no_grid_switch(owner_client, plant, spa, fake_growatt):
    page = owner_client.get(url("schedule_edit", plant, spa.pk, "spa-charge"))
    assert "ac_charge" not in page.context["form"].fields
    data = charge_data(ac=False, slots=(("01:00", "04:00", True),))
    preview_and_confirm(owner_client, plant, spa, "spa-charge", data)
    method, (serial, setting, params) = fake_growatt.writes[0]
    assert method == "update_ac_inverter_setting" and setting == "spa_ac_charge_time_period"
    assert len(params) == 17 and params[:2] == ["80", "90"]


def test_spa_without_read_back_is_prefilled_from_the_last_applied_change(owner_client, plant, spa, fake_growatt):
    fake_growatt.no_readback.add(spa.serial)
    first = owner_client.get(url("schedule_edit", plant, spa.pk, "spa-charge"))
    assert first.context["current"].source == "default"
    assert b"no read-back" in first.content

    preview_and_confirm(owner_client, plant, spa, "spa-charge",
                        charge_data(power="55", soc="75", ac=False, slots=(("02:00", "05:00", True),)))
    entry = SettingChange.objects.get()
    assert entry.outcome == "success" and entry.readback == "unavailable"
    assert entry.old_value is None  # not known, so nothing to revert to

    again = owner_client.get(url("schedule_edit", plant, spa.pk, "spa-charge"))
    assert again.context["current"].source == "change_log"
    assert again.context["form"].initial["power"] == 55
    assert f"{again.context['form'].initial['slot1_start']:%H:%M}" == "02:00"


def test_inline_errors_keep_what_was_typed_and_send_nothing(owner_client, plant, mix, fake_growatt):
    data = charge_data(power="120", slots=(("22:00", "02:00", True), ("01:00", "03:00", True)))
    response = owner_client.post(url("schedule_preview", plant, mix.pk, "charge"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "power" in form.errors
    assert "overlaps window 1" in form.errors["slot2_start"][0]
    assert b'value="22:00"' in response.content and b'value="120"' in response.content
    assert fake_growatt.writes == []


def test_rejected_write_is_shown_in_plain_words_and_audited(owner_client, plant, mix, fake_growatt):
    fake_growatt.next_write_error = SettingRejected("rejected", msg="inv_set_failure")
    _, confirm = preview_and_confirm(owner_client, plant, mix, "charge", charge_data())
    entry = SettingChange.objects.get()
    assert entry.outcome == "rejected" and entry.reply == {"success": False, "msg": "inv_set_failure"}
    assert entry.readback == ""
    page = owner_client.get(confirm.url)
    assert b"Rejected." in page.content and b"refused these values" in page.content


def test_timeout_is_recorded_as_unknown_and_followed_by_a_read_back(owner_client, plant, mix, fake_growatt):
    fake_growatt.next_write_error = GrowattTimeout("read timed out")
    _, confirm = preview_and_confirm(owner_client, plant, mix, "charge", charge_data())
    assert len(fake_growatt.writes) == 1  # never retried
    entry = SettingChange.objects.get()
    assert entry.outcome == "unknown"
    assert entry.readback == "differs"  # the fake did not store it: the old schedule is read back
    assert entry.readback_value["power"] == 100
    page = owner_client.get(confirm.url)
    assert b"Outcome unknown." in page.content and b"did not send it again" in page.content


def test_timeout_whose_write_did_arrive_is_confirmed_by_the_read_back(owner_client, plant, mix, fake_growatt):
    original = fake_growatt.write

    def arrives_but_times_out(method, *args, **kwargs):
        original(method, *args, **kwargs)
        raise GrowattTimeout("read timed out")

    fake_growatt.write = arrives_but_times_out
    preview_and_confirm(owner_client, plant, mix, "charge", charge_data())
    entry = SettingChange.objects.get()
    assert (entry.outcome, entry.readback) == ("unknown", "matched")


def test_connect_timeout_means_nothing_was_sent(owner_client, plant, mix, fake_growatt):
    fake_growatt.next_write_error = GrowattTimeout("connect timed out", connect_timeout=True)
    preview_and_confirm(owner_client, plant, mix, "charge", charge_data())
    entry = SettingChange.objects.get()
    assert entry.outcome == "error" and entry.readback == ""


def test_a_second_click_on_confirm_sends_nothing_more(owner_client, plant, mix, fake_growatt):
    preview = owner_client.post(url("schedule_preview", plant, mix.pk, "charge"), charge_data())
    fields = hidden_fields(preview.content.decode())
    first = owner_client.post(url("schedule_confirm", plant, mix.pk, "charge"), fields)
    second = owner_client.post(url("schedule_confirm", plant, mix.pk, "charge"), fields)
    assert first.url == second.url
    assert len(fake_growatt.writes) == 1 and SettingChange.objects.count() == 1


def test_a_change_made_elsewhere_is_reported_before_sending(owner_client, plant, mix, fake_growatt):
    edit = owner_client.get(url("schedule_edit", plant, mix.pk, "charge"))
    fp = edit.context["form"].initial["fingerprint"]
    data = charge_data(fingerprint=fp)
    preview = owner_client.post(url("schedule_preview", plant, mix.pk, "charge"), data)
    assert not preview.context["changed_meanwhile"]
    fields = hidden_fields(preview.content.decode())

    fake_growatt.beans["SPH0000001"]["wchargeSOCLowLimit2"] = "42"  # someone uses the app meanwhile
    stale = owner_client.post(url("schedule_confirm", plant, mix.pk, "charge"), fields)
    assert stale.status_code == 200 and stale.context["changed_meanwhile"]
    assert b"changed since you opened the form" in stale.content
    assert fake_growatt.writes == [] and SettingChange.objects.count() == 0

    # Confirming the refreshed preview sends, and records the value found meanwhile as "before".
    owner_client.post(url("schedule_confirm", plant, mix.pk, "charge"), hidden_fields(stale.content.decode()))
    assert SettingChange.objects.get().old_value["stop_soc"] == 42


def test_preview_warns_when_the_form_was_loaded_before_a_change(owner_client, plant, mix, fake_growatt):
    fp = owner_client.get(url("schedule_edit", plant, mix.pk, "charge")).context["form"].initial["fingerprint"]
    fake_growatt.beans["SPH0000001"]["chargePowerCommand"] = "33"
    preview = owner_client.post(url("schedule_preview", plant, mix.pk, "charge"), charge_data(fingerprint=fp))
    assert preview.context["changed_meanwhile"]


def test_midnight_crossing_slot_is_sent_as_the_inverter_expects(owner_client, plant, mix, fake_growatt):
    preview, _ = preview_and_confirm(owner_client, plant, mix, "charge",
                                     charge_data(slots=(("22:00", "02:00", True),)))
    assert b"runs over midnight" in preview.content
    params = fake_growatt.sent_params()[0]
    assert params[3:8] == ["22", "00", "02", "00", "1"]
    assert MixChargeSchedule.from_params(params).slots[0].crosses_midnight


def test_the_warning_is_shown_before_the_first_preview_and_remembered(client, owner, plant, mix, fake_growatt):
    client.force_login(owner)
    edit = client.get(url("schedule_edit", plant, mix.pk, "charge"))
    assert b"Before your first change" in edit.content
    refused = client.post(url("schedule_preview", plant, mix.pk, "charge"), charge_data())
    assert b"Exactly what will be sent" not in refused.content
    assert "acknowledge" in refused.context["ack_form"].errors
    assert not Acknowledgement.has_accepted(owner)

    accepted = client.post(url("schedule_preview", plant, mix.pk, "charge"), charge_data(acknowledge="on"))
    assert b"Exactly what will be sent" in accepted.content
    assert Acknowledgement.has_accepted(owner)
    assert b"Before your first change" not in client.get(url("schedule_edit", plant, mix.pk, "charge")).content


def test_confirm_without_the_acknowledgement_sends_nothing(client, owner, plant, mix, fake_growatt):
    client.force_login(owner)
    data = {**charge_data(), "token": "a" * 32}
    response = client.post(url("schedule_confirm", plant, mix.pk, "charge"), data)
    assert response.status_code == 302 and fake_growatt.writes == []


def test_tampered_confirm_data_is_refused_and_nothing_is_sent(owner_client, plant, mix, fake_growatt):
    preview = owner_client.post(url("schedule_preview", plant, mix.pk, "charge"), charge_data())
    fields = hidden_fields(preview.content.decode())
    fields["stop_soc"] = "900"
    response = owner_client.post(url("schedule_confirm", plant, mix.pk, "charge"), fields)
    assert response.status_code == 302 and fake_growatt.writes == []
    fields["stop_soc"], fields["token"] = "90", "not-a-token"
    owner_client.post(url("schedule_confirm", plant, mix.pk, "charge"), fields)
    assert fake_growatt.writes == []


def test_change_values_from_the_preview_returns_to_the_filled_form(owner_client, plant, mix, fake_growatt):
    preview = owner_client.post(url("schedule_preview", plant, mix.pk, "charge"), charge_data(power="42"))
    back = owner_client.post(url("schedule_edit", plant, mix.pk, "charge"), hidden_fields(preview.content.decode()))
    assert back.status_code == 200 and back.context["form"]["power"].value() == "42"
    assert fake_growatt.writes == []


def test_growatt_unreachable_on_the_edit_page_is_a_clear_message_not_a_500(owner_client, plant, mix,
                                                                           fake_growatt):
    fake_growatt.read_error = GrowattTimeout("read timed out")
    response = owner_client.get(url("schedule_edit", plant, mix.pk, "charge"))
    assert response.status_code == 200
    assert b"Could not read the current schedule from Growatt" in response.content
    overview = owner_client.get(url("schedules", plant))
    assert overview.status_code == 200 and b"Could not read the current settings" in overview.content


def test_wrong_device_kind_or_other_plants_device_is_404(owner_client, plant, mix, spa, make_user):
    assert owner_client.get(url("schedule_edit", plant, spa.pk, "charge")).status_code == 404
    assert owner_client.get(url("schedule_edit", plant, mix.pk, "spa-charge")).status_code == 404
    assert owner_client.get(url("schedule_edit", plant, mix.pk, "nonsense")).status_code == 404
    roof = plant.devices.get(serial="MIC0000003")
    assert owner_client.get(url("clock", plant, roof.pk)).status_code == 404


def test_preview_points_out_windows_without_grid_charging(owner_client, plant, mix):
    preview = owner_client.post(url("schedule_preview", plant, mix.pk, "charge"), charge_data(ac=False))
    assert preview.context["solar_only"] and b"charges only from solar" in preview.content
    with_grid = owner_client.post(url("schedule_preview", plant, mix.pk, "charge"), charge_data(ac=True))
    assert not with_grid.context["solar_only"]


def test_an_offline_inverter_is_pointed_out_before_changing_it(owner_client, plant, mix):
    assert b"reports this inverter as offline" not in owner_client.get(url("schedule_edit", plant, mix.pk,
                                                                           "charge")).content
    mix.lost = True
    mix.save()
    assert b"reports this inverter as offline" in owner_client.get(url("schedule_edit", plant, mix.pk,
                                                                       "charge")).content
