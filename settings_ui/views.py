"""Pages that change plant settings and battery schedules: edit → preview → confirm → result.

Every change follows DESIGN principle 6: validate, preview the exact parameters, confirm, send
once (no automatic retry), read back, record who changed what from what to what, offer revert.
Edit and preview pages never change anything (preview is a POST only to carry the form);
confirm is POST-only and redirects to the result page of the audit entry it created.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from growatt import ScheduleError, inverter_time_params
from plants.growatt_link import AccountLink
from plants.models import Device, Plant, Role, get_plant_for_edit, get_plant_for_user
from plants.sync import update_plant_settings_from_reply
from settings_ui import describe
from settings_ui.forms import (
    PLANT_FIELDS,
    AcknowledgeForm,
    PlantSettingsForm,
    ScheduleForm,
    current_plant_values,
    format_value,
    normalise_current,
)
from settings_ui.models import CLOCK, PLANT_SETTINGS, Acknowledgement, SettingChange, new_token
from settings_ui.readback import (
    Current,
    Reading,
    current_schedule,
    finish,
    parse_inverter_time,
    read_device,
    read_plant_settings,
)
from settings_ui.schedules import (
    KINDS,
    KINDS_BY_SETTING,
    KINDS_FOR_DEVICE,
    SCHEDULE_DEVICE_KINDS,
    TIMELINE_TICKS,
    ScheduleKind,
    fingerprint,
    form_data,
    form_initial,
    minute_of_day,
    same_schedule,
    schedule_value,
    timeline_row,
)
from settings_ui.writes import check_read_back, record_and_send

TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
CLOCK_TOLERANCE = dt.timedelta(minutes=5)


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def _kind(slug: str) -> ScheduleKind:
    try:
        return KINDS[slug]
    except KeyError:
        raise Http404("No such schedule.") from None


def _device(plant: Plant, device_pk: int, kinds) -> Device:
    device = get_object_or_404(Device, pk=device_pk, plant=plant)
    if device.kind not in kinds:
        raise Http404("This device has no such setting.")
    return device


def _link(plant: Plant) -> AccountLink:
    return AccountLink(plant.account)


def _needs_ack(request) -> bool:
    return not Acknowledgement.has_accepted(request.user)


def _ack_ok(request) -> tuple[bool, AcknowledgeForm | None]:
    """Check (and remember) the one-time warning. Returns (ok, form to show again when not ok)."""
    if not _needs_ack(request):
        return True, None
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        Acknowledgement.accept(request.user)
        return True, None
    return False, form


def _base(plant: Plant, role: str, active: str, **extra) -> dict:
    return {"plant": plant, "role": role, "active": active, "can_edit": role in (Role.OWNER, Role.EDITOR),
            "ticks": TIMELINE_TICKS, **extra}


def _timeline(schedule, kind: ScheduleKind, label: str = "") -> list[dict]:
    return [timeline_row(label or kind.title, kind.bar_class, schedule)]


def _now_minute(plant: Plant) -> int:
    return minute_of_day(plant.local_now())


def _hidden(data: dict) -> list[tuple[str, str]]:
    return [(k, "" if v is None else str(v)) for k, v in data.items()]


def _entry_for(plant: Plant, entry_pk: int) -> SettingChange:
    return get_object_or_404(SettingChange.objects.select_related("device", "user"), pk=entry_pk, plant=plant)


def _reverts(plant: Plant, raw) -> SettingChange | None:
    # isdigit() alone lets "²" or "١٢" through to int() (ValueError), and ids have at most 18 digits.
    raw = str(raw or "")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        return None
    return SettingChange.objects.filter(pk=int(raw), plant=plant).first()


# --------------------------------------------------------------------------------------
# Battery schedules overview (everyone who may see the plant; viewers read-only)
# --------------------------------------------------------------------------------------


def _clock_info(plant: Plant, device: Device, reading: Reading) -> dict:
    inverter = reading.inverter_time()
    source = "growatt"
    if inverter is None:
        inverter = parse_inverter_time(device.detail or {})
        source = "detail"
    aware_now = plant.local_now()
    local_now = aware_now.replace(tzinfo=None, microsecond=0)
    info = {"inverter": inverter, "local_now": local_now, "source": source if inverter else "", "drift": None,
            "dst": bool(aware_now.dst())}
    if inverter is not None:
        seconds = int((inverter - local_now).total_seconds())
        info["drift"] = seconds
        info["drift_text"] = drift_text(seconds)
        info["drift_amount"], _, info["drift_direction"] = info["drift_text"].partition(
            " ahead " if seconds > 0 else " behind ")
        info["drift_direction"] = ("ahead " if seconds > 0 else "behind ") + info["drift_direction"]
        info["drift_bad"] = abs(seconds) > 300
    return info


def drift_text(seconds: int) -> str:
    if abs(seconds) < 60:
        return "in step (less than a minute apart)"
    minutes, _ = divmod(abs(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours_of_day = divmod(hours, 24)
    if days >= 2:
        amount = f"{days} days {hours_of_day} h"
    elif hours:
        amount = f"{hours} h {minutes} min"
    else:
        amount = f"{minutes} min"
    return f"{amount} {'ahead of' if seconds > 0 else 'behind'} plant time"


@login_required
@require_GET
def schedules(request, pk):
    plant, role = get_plant_for_user(request, pk)
    devices = list(plant.devices.all())
    schedule_devices = [d for d in devices if d.kind in SCHEDULE_DEVICE_KINDS]
    others = [d for d in devices if d.has_battery and d.kind not in SCHEDULE_DEVICE_KINDS]
    cards = []
    link = None
    latest_changes = dict(
        SettingChange.objects.filter(device__in=schedule_devices).values("device")
        .annotate(latest=Max("pk")).values_list("device", "latest")
    ) if schedule_devices else {}
    for device in schedule_devices:
        reading, link = _overview_reading(plant, device, latest_changes.get(device.pk), link)
        currents = [current_schedule(kind, device, reading) for kind in KINDS_FOR_DEVICE[device.kind]]
        rows = [timeline_row("Charge" if c.kind.bar_class == "charge" else "Discharge", c.kind.bar_class,
                             c.schedule) for c in currents]
        cards.append({
            "device": device,
            "reading": reading,
            "currents": currents,
            "timeline": rows,
            "clock": _clock_info(plant, device, reading),
        })
    if link is not None:
        finish(link)
    return render(request, "settings_ui/schedules.html", _base(
        plant, role, "schedules", cards=cards, others=others, now_minute=_now_minute(plant),
    ))


OVERVIEW_READBACK_SECONDS = 60


def _overview_reading(plant: Plant, device: Device, latest_change: int | None, link: AccountLink | None):
    """The overview is the page people (and family members) reload: a successful read-back is
    reused for a minute so page views do not turn into Growatt requests. Any change written here
    moves the cache key, and the edit/preview/confirm steps always read fresh."""
    key = f"settings_ui:readback:{device.pk}:{latest_change or 0}"
    bean = cache.get(key)
    if bean is not None:
        return Reading(bean=bean), link
    link = link or _link(plant)
    reading = read_device(link, device)
    if reading.ok:
        cache.set(key, reading.bean, OVERVIEW_READBACK_SECONDS)
    return reading, link


# --------------------------------------------------------------------------------------
# Schedule edit → preview → confirm
# --------------------------------------------------------------------------------------


def _render_schedule_edit(request, plant, role, device, kind, form, current: Current, *, ack_form=None,
                          reverts=None, status=200):
    ack_needed = _needs_ack(request)
    shown = current.schedule
    if form.is_bound:
        shown = form.cleaned_data.get("schedule") if form.is_valid() else None
    return render(request, "settings_ui/schedule_edit.html", _base(
        plant, role, "schedules", device=device, kind=kind, form=form, current=current,
        current_timeline=_timeline(current.schedule, kind, "Now"),
        new_timeline=_timeline(shown, kind, "New"),
        ack_form=(ack_form or AcknowledgeForm()) if ack_needed else None,
        reverts=reverts, now_minute=_now_minute(plant),
        preview_url=reverse("settings_ui:schedule_preview", args=[plant.pk, device.pk, kind.slug]),
    ), status=status)


@login_required
@require_http_methods(["GET", "POST"])
def schedule_edit(request, pk, device_pk, slug):
    """The form. GET reads the inverter; POST (from the preview's "Change values") re-shows values."""
    kind = _kind(slug)
    plant, role = get_plant_for_edit(request, pk)
    device = _device(plant, device_pk, (kind.device_kind,))
    link = _link(plant)
    reading = read_device(link, device)
    finish(link)
    current = current_schedule(kind, device, reading)
    if request.method == "POST":
        form = ScheduleForm(request.POST, kind=kind)
        form.is_valid()  # show what is wrong, if anything, right away
    else:
        form = ScheduleForm(kind=kind, initial={**form_initial(kind, current.schedule),
                                                "fingerprint": current.fingerprint})
    return _render_schedule_edit(request, plant, role, device, kind, form, current,
                                 reverts=_reverts(plant, request.POST.get("reverts")))


def _render_schedule_preview(request, plant, role, device, kind, form: ScheduleForm, current: Current, *,
                             reverts=None, changed_meanwhile=False):
    new = form.schedule
    params = new.to_params()  # exactly what confirm sends (it rebuilds the same list)
    new_value = schedule_value(new)
    confirm_data = {**form_data(kind, new_value), "fingerprint": current.fingerprint, "token": new_token()}
    if reverts is not None:
        confirm_data["reverts"] = reverts.pk
    return render(request, "settings_ui/schedule_preview.html", _base(
        plant, role, "schedules", device=device, kind=kind, current=current, new=new, new_value=new_value,
        compare=describe.compare(kind.setting_type, current.value, new_value),
        timeline=[timeline_row("Now", kind.bar_class, current.schedule),
                  timeline_row("New", kind.bar_class, new)],
        params=describe.param_rows(kind.setting_type, params),
        op="spaSetApi" if kind.device_kind == Device.Kind.SPA else "mixSetApiNew",
        unchanged=same_schedule(current.value, new_value) and current.from_growatt,
        midnight=[(n, s) for n, s in enumerate(new.slots, start=1) if s.enabled and s.crosses_midnight],
        solar_only=kind.has_ac_switch and not new.ac_charge and any(s.enabled for s in new.slots),
        changed_meanwhile=changed_meanwhile, reverts=reverts,
        hidden=_hidden(confirm_data), now_minute=_now_minute(plant),
        confirm_url=reverse("settings_ui:schedule_confirm", args=[plant.pk, device.pk, kind.slug]),
        edit_url=reverse("settings_ui:schedule_edit", args=[plant.pk, device.pk, kind.slug]),
    ))


@login_required
@require_POST
def schedule_preview(request, pk, device_pk, slug):
    kind = _kind(slug)
    plant, role = get_plant_for_edit(request, pk)
    device = _device(plant, device_pk, (kind.device_kind,))
    form = ScheduleForm(request.POST, kind=kind)
    valid = form.is_valid()
    ack_ok, ack_form = _ack_ok(request) if valid else (False, AcknowledgeForm(request.POST))
    link = _link(plant)
    reading = read_device(link, device)
    finish(link)
    current = current_schedule(kind, device, reading)
    reverts = _reverts(plant, request.POST.get("reverts"))
    if not (valid and ack_ok):
        return _render_schedule_edit(request, plant, role, device, kind, form, current,
                                     ack_form=ack_form, reverts=reverts)
    sent_fp = form.cleaned_data.get("fingerprint") or ""
    return _render_schedule_preview(request, plant, role, device, kind, form, current, reverts=reverts,
                                    changed_meanwhile=bool(sent_fp) and sent_fp != current.fingerprint)


def _valid_token(raw) -> str | None:
    raw = str(raw or "")
    return raw if TOKEN_RE.match(raw) else None


@login_required
@require_POST
def schedule_confirm(request, pk, device_pk, slug):
    kind = _kind(slug)
    plant, role = get_plant_for_edit(request, pk)
    device = _device(plant, device_pk, (kind.device_kind,))
    edit_url = reverse("settings_ui:schedule_edit", args=[plant.pk, device.pk, kind.slug])
    token = _valid_token(request.POST.get("token"))
    done = SettingChange.objects.filter(token=token, plant=plant).first() if token else None
    if done is not None:  # a second click on the same confirm button: nothing is sent again
        return redirect("settings_ui:audit_entry", plant.pk, done.pk)
    form = ScheduleForm(request.POST, kind=kind)
    if token is None or not form.is_valid() or _needs_ack(request):
        messages.error(request, "That confirmation was incomplete or out of date, so nothing was sent. "
                                "Check the values and preview again.")
        return redirect(edit_url)

    link = _link(plant)
    reading = read_device(link, device)
    current = current_schedule(kind, device, reading)
    reverts = _reverts(plant, request.POST.get("reverts"))
    if (form.cleaned_data.get("fingerprint") or "") != current.fingerprint:
        finish(link)
        return _render_schedule_preview(request, plant, role, device, kind, form, current, reverts=reverts,
                                        changed_meanwhile=True)

    new = form.schedule
    params = new.to_params()
    entry = SettingChange(
        plant=plant, device=device, user=request.user, setting_type=kind.setting_type,
        old_value=current.value if current.source != "default" else None,
        new_value=schedule_value(new), params=params, token=token, reverts=reverts,
    )

    def send():
        return link.write(kind.write_method, device.serial, kind.setting_type, params)

    entry = record_and_send(link=link, entry=entry, send=send, read_back=_schedule_reader(link, device, kind),
                            matches=lambda value: same_schedule(value, entry.new_value))
    return redirect("settings_ui:audit_entry", plant.pk, entry.pk)


def _schedule_reader(link, device, kind):
    def read_back():
        reading = read_device(link, device)
        if not reading.ok:
            return None, reading.error
        schedule = reading.schedule(kind)
        if schedule is None:
            return None, "Growatt's read-back does not contain this schedule."
        return schedule_value(schedule), ""

    return read_back


# --------------------------------------------------------------------------------------
# Inverter clock
# --------------------------------------------------------------------------------------

CLOCK_KINDS = (Device.Kind.MIX, Device.Kind.SPA)


def _clock_method(device: Device) -> str:
    return "update_ac_inverter_setting" if device.kind == Device.Kind.SPA else "update_mix_inverter_setting"


@login_required
@require_GET
def clock(request, pk, device_pk):
    plant, role = get_plant_for_edit(request, pk)
    device = _device(plant, device_pk, CLOCK_KINDS)
    link = _link(plant)
    reading = read_device(link, device)
    finish(link)
    return render(request, "settings_ui/clock.html", _base(
        plant, role, "schedules", device=device, reading=reading, clock=_clock_info(plant, device, reading),
        ack_form=AcknowledgeForm() if _needs_ack(request) else None,
    ))


@login_required
@require_POST
def clock_preview(request, pk, device_pk):
    plant, role = get_plant_for_edit(request, pk)
    device = _device(plant, device_pk, CLOCK_KINDS)
    link = _link(plant)
    reading = read_device(link, device)
    finish(link)
    info = _clock_info(plant, device, reading)
    ack_ok, ack_form = _ack_ok(request)
    if not ack_ok:
        return render(request, "settings_ui/clock.html", _base(
            plant, role, "schedules", device=device, reading=reading, clock=info, ack_form=ack_form,
        ))
    params = inverter_time_params(plant.local_now())
    return render(request, "settings_ui/clock_preview.html", _base(
        plant, role, "schedules", device=device, clock=info,
        params=describe.param_rows(CLOCK, params),
        op="spaSetApi" if device.kind == Device.Kind.SPA else "mixSetApiNew",
        hidden=_hidden({"token": new_token()}),
    ))


@login_required
@require_POST
def clock_confirm(request, pk, device_pk):
    plant, role = get_plant_for_edit(request, pk)
    device = _device(plant, device_pk, CLOCK_KINDS)
    token = _valid_token(request.POST.get("token"))
    done = SettingChange.objects.filter(token=token, plant=plant).first() if token else None
    if done is not None:
        return redirect("settings_ui:audit_entry", plant.pk, done.pk)
    if token is None or _needs_ack(request):
        messages.error(request, "That confirmation was incomplete, so nothing was sent.")
        return redirect("settings_ui:clock", plant.pk, device.pk)
    link = _link(plant)
    reading = read_device(link, device)
    old = reading.inverter_time()
    # Plant-local wall-clock time at the moment of sending, DST included (plant.tz).
    params = inverter_time_params(plant.local_now())
    entry = SettingChange(
        plant=plant, device=device, user=request.user, setting_type=CLOCK, token=token, params=params,
        old_value={"inverter_time": f"{old:%Y-%m-%d %H:%M:%S}"} if old else None,
        new_value={"inverter_time": params[0]},
    )

    def read_back():
        again = read_device(link, device)
        when = again.inverter_time()
        if when is None:
            return None, again.error or "Growatt's read-back has no inverter time."
        return {"inverter_time": f"{when:%Y-%m-%d %H:%M:%S}"}, ""

    def matches(value):
        sent = dt.datetime.strptime(params[0], "%Y-%m-%d %H:%M:%S")
        seen = dt.datetime.strptime(value["inverter_time"], "%Y-%m-%d %H:%M:%S")
        return abs(seen - sent) <= CLOCK_TOLERANCE

    entry = record_and_send(
        link=link, entry=entry, read_back=read_back, matches=matches,
        send=lambda: link.write(_clock_method(device), device.serial, CLOCK, params),
    )
    return redirect("settings_ui:audit_entry", plant.pk, entry.pk)


# --------------------------------------------------------------------------------------
# Plant settings
# --------------------------------------------------------------------------------------


def _plant_fingerprint(reply: dict) -> str:
    return fingerprint({k: format_value(v) if v is not None else None
                        for k, v in current_plant_values(reply).items()})


def _render_plant_form(request, plant, role, form, *, ack_form=None, reverts=None, error=""):
    return render(request, "settings_ui/plant_settings.html", _base(
        plant, role, "settings", form=form, error=error, reverts=reverts,
        ack_form=(ack_form or AcknowledgeForm()) if _needs_ack(request) else None,
    ))


@login_required
@require_http_methods(["GET", "POST"])
def plant_settings(request, pk):
    plant, role = get_plant_for_edit(request, pk)
    link = _link(plant)
    reply, error = read_plant_settings(link, plant)
    finish(link)
    if reply is None:
        return _render_plant_form(request, plant, role, None, error=error)
    if request.method == "POST":
        form = PlantSettingsForm(request.POST, reply=reply, today=plant.local_today())
        form.is_valid()
    else:
        form = PlantSettingsForm(reply=reply, today=plant.local_today(),
                                 initial={**{k: v for k, v in current_plant_values(reply).items()
                                             if v is not None},
                                          "fingerprint": _plant_fingerprint(reply)})
    return _render_plant_form(request, plant, role, form, reverts=_reverts(plant, request.POST.get("reverts")))


def full_plant_form(reply: dict, changed: dict[str, str]) -> dict[str, str]:
    """The multipart form ``update_plant_settings`` builds: every field from the current settings,
    then the changed ones. Mirrors the client so the preview shows exactly what is sent."""
    from growatt.api import _PLANT_SETTINGS_FIELDS  # the client's own field list; see report

    form = {field: ("0" if key is None else str(reply.get(key, ""))) for field, key in _PLANT_SETTINGS_FIELDS}
    form.update(changed)
    return form


def _plant_keys_missing(reply: dict) -> list[str]:
    from growatt.api import _PLANT_SETTINGS_FIELDS

    return [key for _, key in _PLANT_SETTINGS_FIELDS if key and key not in reply]


def _render_plant_preview(request, plant, role, form: PlantSettingsForm, reply: dict, *, reverts=None,
                          changed_meanwhile=False):
    changes = form.changes()
    changed = form.multipart_changes()
    rows = [{"label": describe.PLANT_LABELS[name], "field": PLANT_FIELDS[name][0],
             "old": "—" if old in (None, "") else format_value(old), "new": format_value(new) or "—"}
            for name, (old, new) in changes.items()]
    confirm = {name: format_value(value) if value is not None else ""
               for name, value in form.cleaned_data.items() if name in PLANT_FIELDS}
    confirm.update({"fingerprint": _plant_fingerprint(reply), "token": new_token()})
    if reverts is not None:
        confirm["reverts"] = reverts.pk
    sent = full_plant_form(reply, changed)
    return render(request, "settings_ui/plant_settings_preview.html", _base(
        plant, role, "settings", rows=rows, sent=[(k, v, k in changed) for k, v in sent.items()],
        hidden=_hidden(confirm), changed_meanwhile=changed_meanwhile, reverts=reverts,
        timezone_changed="timezone" in changes,
    ))


@login_required
@require_POST
def plant_settings_preview(request, pk):
    plant, role = get_plant_for_edit(request, pk)
    link = _link(plant)
    reply, error = read_plant_settings(link, plant)
    finish(link)
    if reply is None:
        return _render_plant_form(request, plant, role, None, error=error)
    form = PlantSettingsForm(request.POST, reply=reply, today=plant.local_today())
    valid = form.is_valid()
    reverts = _reverts(plant, request.POST.get("reverts"))
    missing = _plant_keys_missing(reply)
    if valid and missing:
        form.add_error(None, "Growatt's plant settings lack " + ", ".join(missing) +
                       "; growattweb cannot change them without sending wrong values.")
        valid = False
    if valid and not form.changes():
        form.add_error(None, "Nothing is different from what Growatt has now. Change a value first.")
        valid = False
    ack_ok, ack_form = _ack_ok(request) if valid else (False, AcknowledgeForm(request.POST))
    if not (valid and ack_ok):
        return _render_plant_form(request, plant, role, form, ack_form=ack_form, reverts=reverts)
    sent_fp = form.cleaned_data.get("fingerprint") or ""
    return _render_plant_preview(request, plant, role, form, reply, reverts=reverts,
                                 changed_meanwhile=bool(sent_fp) and sent_fp != _plant_fingerprint(reply))


@login_required
@require_POST
def plant_settings_confirm(request, pk):
    plant, role = get_plant_for_edit(request, pk)
    token = _valid_token(request.POST.get("token"))
    done = SettingChange.objects.filter(token=token, plant=plant).first() if token else None
    if done is not None:
        return redirect("settings_ui:audit_entry", plant.pk, done.pk)
    link = _link(plant)
    reply, error = read_plant_settings(link, plant)
    if reply is None:
        finish(link)
        messages.error(request, f"Nothing was sent: the current settings could not be read. {error}")
        return redirect("settings_ui:plant_settings", plant.pk)
    form = PlantSettingsForm(request.POST, reply=reply, today=plant.local_today())
    if token is None or not form.is_valid() or _needs_ack(request) or _plant_keys_missing(reply):
        finish(link)
        messages.error(request, "That confirmation was incomplete or out of date, so nothing was sent. "
                                "Check the values and preview again.")
        return redirect("settings_ui:plant_settings", plant.pk)
    reverts = _reverts(plant, request.POST.get("reverts"))
    if (form.cleaned_data.get("fingerprint") or "") != _plant_fingerprint(reply):
        finish(link)
        return _render_plant_preview(request, plant, role, form, reply, reverts=reverts, changed_meanwhile=True)
    changes = form.changes()
    if not changes:
        finish(link)
        messages.info(request, "Growatt already has these values; nothing was sent.")
        return redirect("settings_ui:plant_settings", plant.pk)
    changed = form.multipart_changes()
    entry = SettingChange(
        plant=plant, user=request.user, setting_type=PLANT_SETTINGS, token=token, reverts=reverts,
        old_value={name: None if old is None else format_value(old) for name, (old, _) in changes.items()},
        new_value={name: format_value(new) for name, (_, new) in changes.items()},
        params=full_plant_form(reply, changed),
    )
    fresh: dict = {}

    def read_back():
        again, problem = read_plant_settings(link, plant)
        if again is None:
            return None, problem
        fresh["reply"] = again
        return {name: _plain(name, again.get(PLANT_FIELDS[name][1])) for name in changes}, ""

    def matches(value):
        return all(normalise_current(name, value.get(name)) == normalise_current(name, new)
                   for name, new in entry.new_value.items())

    entry = record_and_send(
        link=link, entry=entry, read_back=read_back, matches=matches,
        send=lambda: link.write("update_plant_settings", plant.growatt_id, changed, reply),
    )
    if fresh.get("reply"):
        update_plant_settings_from_reply(plant, fresh["reply"])
        plant.save()
    return redirect("settings_ui:audit_entry", plant.pk, entry.pk)


def _plain(name: str, raw):
    value = normalise_current(name, raw)
    if value is None:
        return None if raw is None else str(raw)
    return format_value(value)


# --------------------------------------------------------------------------------------
# Audit log, one entry, check again, revert
# --------------------------------------------------------------------------------------


@login_required
@require_GET
def audit_log(request, pk):
    plant, role = get_plant_for_user(request, pk)
    page = Paginator(SettingChange.objects.for_log(plant), 50).get_page(request.GET.get("page"))
    entries = [{"entry": e, "changes": describe.changes(e.setting_type, e.old_value, e.new_value)}
               for e in page.object_list]
    return render(request, "settings_ui/audit_log.html", _base(
        plant, role, "audit", page=page, entries=entries, show_params=role != Role.VIEWER,
    ))


@login_required
@require_GET
def audit_entry(request, pk, entry_pk):
    plant, role = get_plant_for_user(request, pk)
    entry = _entry_for(plant, entry_pk)
    kind = KINDS_BY_SETTING.get(entry.setting_type)
    timeline = []
    if kind is not None:
        from settings_ui.schedules import schedule_from_value

        for label, value in (("Before", entry.old_value), ("Sent", entry.new_value)):
            try:
                schedule = schedule_from_value(kind, value) if value else None
            except ScheduleError:
                schedule = None
            if schedule is not None:
                timeline.append(timeline_row(label, kind.bar_class, schedule))
        if isinstance(entry.readback_value, dict) and "slots" in entry.readback_value:
            try:
                timeline.append(timeline_row("Read back", kind.bar_class,
                                             schedule_from_value(kind, entry.readback_value)))
            except ScheduleError:
                pass
    readback = None
    if isinstance(entry.readback_value, dict) and "error" not in entry.readback_value:
        readback = entry.readback_value
    seen = dict(describe.items(entry.setting_type, readback))
    rows = describe.compare(entry.setting_type, entry.old_value, entry.new_value)
    for row in rows:
        row["readback"] = seen.get(row["label"], "")
        row["readback_differs"] = readback is not None and row["readback"] != row["new"]
    return render(request, "settings_ui/audit_entry.html", _base(
        plant, role, "audit", entry=entry, kind=kind, timeline=timeline,
        compare=rows, has_readback=readback is not None,
        params=describe.param_rows(entry.setting_type, entry.params), show_params=role != Role.VIEWER,
        reply_json="(none)" if entry.reply is None else json.dumps(entry.reply, indent=1, ensure_ascii=False),
    ))


@login_required
@require_POST
def audit_recheck(request, pk, entry_pk):
    """Read the setting again (the inverter may apply a change only after a minute or so)."""
    plant, role = get_plant_for_edit(request, pk)
    entry = _entry_for(plant, entry_pk)
    if entry.outcome not in (SettingChange.Outcome.SUCCESS, SettingChange.Outcome.UNKNOWN):
        return redirect("settings_ui:audit_entry", plant.pk, entry.pk)
    link = _link(plant)
    kind = KINDS_BY_SETTING.get(entry.setting_type)
    if kind is not None and entry.device is not None:
        check_read_back(entry, _schedule_reader(link, entry.device, kind),
                        lambda value: same_schedule(value, entry.new_value))
    elif entry.setting_type == CLOCK and entry.device is not None:
        def read_clock():
            reading = read_device(link, entry.device)
            when = reading.inverter_time()
            if when is None:
                return None, reading.error or "Growatt's read-back has no inverter time."
            return {"inverter_time": f"{when:%Y-%m-%d %H:%M:%S}"}, ""

        sent = dt.datetime.strptime(entry.new_value["inverter_time"], "%Y-%m-%d %H:%M:%S")
        # The clock has moved on since it was set: compare against the time elapsed since then.
        elapsed = dt.datetime.now(dt.UTC) - entry.created_at
        check_read_back(entry, read_clock, lambda value: abs(
            dt.datetime.strptime(value["inverter_time"], "%Y-%m-%d %H:%M:%S") - (sent + elapsed)) <= CLOCK_TOLERANCE)
    elif entry.setting_type == PLANT_SETTINGS:
        def read_plant():
            again, problem = read_plant_settings(link, plant)
            if again is None:
                return None, problem
            return {name: _plain(name, again.get(PLANT_FIELDS[name][1])) for name in entry.new_value}, ""

        check_read_back(entry, read_plant, lambda value: all(
            normalise_current(n, value.get(n)) == normalise_current(n, v) for n, v in entry.new_value.items()))
    finish(link)
    return redirect("settings_ui:audit_entry", plant.pk, entry.pk)


@login_required
@require_GET
def audit_revert(request, pk, entry_pk):
    """Put a setting back to what it was before a change: the same preview and confirm as an edit."""
    plant, role = get_plant_for_edit(request, pk)
    entry = _entry_for(plant, entry_pk)
    if not entry.can_revert:
        messages.error(request, "This change cannot be reverted: what was there before is not known.")
        return redirect("settings_ui:audit_entry", plant.pk, entry.pk)
    link = _link(plant)
    if entry.setting_type == PLANT_SETTINGS:
        reply, error = read_plant_settings(link, plant)
        finish(link)
        if reply is None:
            return _render_plant_form(request, plant, role, None, error=error)
        data = {k: format_value(v) if v is not None else "" for k, v in current_plant_values(reply).items()}
        data.update({k: "" if v is None else str(v) for k, v in (entry.old_value or {}).items() if k in data})
        data["fingerprint"] = _plant_fingerprint(reply)
        form = PlantSettingsForm(data, reply=reply, today=plant.local_today())
        if _needs_ack(request) or not form.is_valid() or not form.changes():
            if form.is_valid() and not form.changes():
                messages.info(request, "Growatt already shows the values from before that change.")
            return _render_plant_form(request, plant, role, form, reverts=entry)
        return _render_plant_preview(request, plant, role, form, reply, reverts=entry)

    kind = KINDS_BY_SETTING[entry.setting_type]
    device = entry.device
    if device is None or device.kind != kind.device_kind:
        raise Http404("The device of this change is gone.")
    reading = read_device(link, device)
    finish(link)
    current = current_schedule(kind, device, reading)
    form = ScheduleForm({**form_data(kind, entry.old_value), "fingerprint": current.fingerprint}, kind=kind)
    if _needs_ack(request) or not form.is_valid():
        return _render_schedule_edit(request, plant, role, device, kind, form, current, reverts=entry)
    return _render_schedule_preview(request, plant, role, device, kind, form, current, reverts=entry)
