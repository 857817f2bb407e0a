"""Dashboards: the plant page, the device page, their JSON chart endpoints, live values, CSV export.

Every view goes through ``get_plant_for_user`` (strangers get 404) and runs a
fixed number of queries whatever the number of devices or the length of the
history; the series themselves are built by ``plants.charts``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from urllib.parse import urlencode
from zoneinfo import available_timezones

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from plants import charts
from plants.csv_export import ExportForm, export_error_response, export_response
from plants.forms import PlantTimezoneForm
from plants.models import Device, GrowattAccount, Plant, Role, get_plant_for_edit, get_plant_for_user

VIEWS = ("day", "month", "year")


# --------------------------------------------------------------------------------------
# Parameters
# --------------------------------------------------------------------------------------


class BadParameter(ValueError):
    """A query parameter people (or scripts) got wrong: answered with a 400 and this message."""


def _year_ok(year: int, today: dt.date) -> bool:
    return charts.MIN_YEAR <= year <= today.year + 1


def parse_day(value: str | None, today: dt.date) -> dt.date:
    if not value:
        return today
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadParameter(f"“{value}” is not a date; use YYYY-MM-DD, for example {today.isoformat()}.") from None
    if not _year_ok(day.year, today):
        raise BadParameter(f"{day.isoformat()} is outside the years growattweb keeps ({charts.MIN_YEAR}–{today.year}).")
    return day


def parse_month(value: str | None, today: dt.date) -> tuple[int, int]:
    if not value:
        return today.year, today.month
    try:
        moment = dt.datetime.strptime(value.strip(), "%Y-%m")
    except ValueError:
        raise BadParameter(f"“{value}” is not a month; use YYYY-MM, for example {today:%Y-%m}.") from None
    if not _year_ok(moment.year, today):
        raise BadParameter(f"{value} is outside the years growattweb keeps ({charts.MIN_YEAR}–{today.year}).")
    return moment.year, moment.month


def parse_year(value: str | None, today: dt.date) -> int:
    if not value:
        return today.year
    try:
        year = int(value.strip())
    except ValueError:
        raise BadParameter(f"“{value}” is not a year; use YYYY, for example {today.year}.") from None
    if not _year_ok(year, today):
        raise BadParameter(f"{year} is outside the years growattweb keeps ({charts.MIN_YEAR}–{today.year}).")
    return year


def json_error(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def chart_json(data: dict, past: bool) -> JsonResponse:
    response = JsonResponse(data)
    # Past periods change only when a backfill completes them; the current one every 5 minutes.
    response["Cache-Control"] = "private, max-age=600" if past else "private, no-cache"
    return response


# --------------------------------------------------------------------------------------
# What the page says about the account behind a plant
# --------------------------------------------------------------------------------------


def account_problem(account: GrowattAccount, role: str, tz) -> dict | None:
    """A notice for an account in trouble; details and the fix link only for the owner."""
    owner = role == Role.OWNER
    whose = "your" if owner else f"{account.owner.get_username()}’s"
    link = reverse("account_detail", args=[account.pk]) if owner else None
    state = account.state
    if not account.enabled:
        return {"level": "info", "text": f"Syncing is switched off for {whose} Growatt account, so the "
                                         "values below are not updated.", "link": link, "link_text": "Account"}
    if state == GrowattAccount.State.BAD_CREDENTIALS:
        text = f"Growatt refused the username or password of {whose} Growatt account, so syncing has stopped."
        if not owner:
            text += f" Ask {account.owner.get_username()} to fix it."
        return {"level": "error", "text": text, "link": link, "link_text": "Fix the credentials"}
    if state == GrowattAccount.State.LOCKED or account.is_locked:
        until = f" until {account.locked_until.astimezone(tz):%Y-%m-%d %H:%M}" if account.locked_until else ""
        return {"level": "warn", "text": f"Growatt has locked {whose} Growatt account{until} after too many "
                                         "logins. growattweb waits and resumes by itself.",
                "link": link, "link_text": "Details"}
    if state == GrowattAccount.State.LOGIN_CAP:
        return {"level": "warn", "text": f"growattweb reached its daily limit of Growatt logins for {whose} "
                                         "Growatt account; it tries again at "
                                         f"{account.next_sync_at.astimezone(tz):%H:%M}.",
                "link": link, "link_text": "Details"}
    if state == GrowattAccount.State.ERROR:
        text = f"The last sync of {whose} Growatt account failed; growattweb tries again by itself."
        if owner and account.last_error:
            text = (f"The last sync of {whose} Growatt account failed ({account.last_error[:200]}); "
                    "growattweb tries again by itself.")
        return {"level": "warn", "text": text, "link": link, "link_text": "Details"}
    return None


@lru_cache(maxsize=1)
def timezone_datalist() -> str:
    """The <option>s of the timezone picker, built once: ~430 zones are too many to loop over per page."""
    names = sorted(name for name in available_timezones() if "/" in name and not name.startswith("Etc/"))
    return mark_safe("".join(format_html('<option value="{}">', name) for name in names))  # noqa: S308


# --------------------------------------------------------------------------------------
# Plant page
# --------------------------------------------------------------------------------------


def _plant_url(plant: Plant, view: str, day: dt.date) -> str:
    return f"{reverse('plant_detail', args=[plant.pk])}?{urlencode({'view': view, 'date': day.isoformat()})}"


def period_bounds(view: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the day, month or year ``day`` is in."""
    if view == "month":
        return charts.month_bounds(day.year, day.month)
    if view == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    return day, day


def period_navigation(plant: Plant, view: str, day: dt.date, today: dt.date) -> dict:
    """Start, end, chart URL and previous/next links of the chosen period."""
    start, end = period_bounds(view, day)
    if view == "month":
        prev_day = dt.date(*charts.shift_month(day.year, day.month, -1), 1)
        next_day = dt.date(*charts.shift_month(day.year, day.month, 1), 1)
        chart_url = f"{reverse('plant_chart_month', args=[plant.pk])}?month={day:%Y-%m}"
        label, prev_label, next_label = f"{day:%B %Y}", "Previous month", "Next month"
    elif view == "year":
        prev_day, next_day = dt.date(day.year - 1, 1, 1), dt.date(day.year + 1, 1, 1)
        chart_url = f"{reverse('plant_chart_year', args=[plant.pk])}?year={day.year}"
        label, prev_label, next_label = str(day.year), "Previous year", "Next year"
    else:
        prev_day, next_day = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
        chart_url = f"{reverse('plant_chart_day', args=[plant.pk])}?date={day.isoformat()}"
        if day == today:
            label = "Today"
        elif day == today - dt.timedelta(days=1):
            label = "Yesterday"
        else:
            label = charts.long_date(day)
        prev_label, next_label = "Previous day", "Next day"
    return {
        "start": start, "end": end, "label": label, "chart_url": chart_url,
        "prev_url": _plant_url(plant, view, prev_day) if prev_day.year >= charts.MIN_YEAR else None,
        "next_url": _plant_url(plant, view, next_day) if next_day <= today else None,
        "prev_label": prev_label, "next_label": next_label,
        "today_url": _plant_url(plant, view, today) if end < today or start > today else None,
        "is_current": start <= today <= end,
        "views": [{"key": key, "label": key.capitalize(), "url": _plant_url(plant, key, day), "active": key == view}
                  for key in VIEWS],
    }


# Every column of the plant row except the settings reply (a large JSON the page does not show):
# with data_version, which the sync moves whenever it writes devices, samples or daily energy.
_BODY_FIELDS = tuple(f.attname for f in Plant._meta.concrete_fields if f.name != "settings_reply")


def _digest(source: str) -> str:
    return hashlib.blake2b(source.encode(), digest_size=16).hexdigest()


def _shared(key: str, render) -> str:
    """``render()``'s HTML from the cache under ``key``, rendering and storing it when missing.

    Each key carries everything its HTML shows, so a stale copy is never served: the setting only
    bounds the memory of keys nobody asks for any more (0: render every time, store nothing)."""
    seconds = settings.PLANT_PAGE_CACHE_SECONDS
    html = cache.get(key) if seconds > 0 else None
    if html is None:
        html = render()
        if seconds > 0:
            cache.set(key, html, seconds)
    return html


def plant_data_key(plant: Plant, *, view: str, day: dt.date, today: dt.date, has_problem: bool,
                   now: dt.datetime) -> str:
    """Everything the plant page's data part depends on, as text: the plant's row (with
    ``data_version``), the period, the plant-local date, whether an account problem is shown,
    and the minute (the "updated N min ago" text and the 15-minute staleness)."""
    stamp = repr(tuple(getattr(plant, name) for name in _BODY_FIELDS))
    return f"{stamp}|{view}|{day.isoformat()}|{today.isoformat()}|{has_problem}|{now:%Y%m%d%H%M}"


def plant_body(plant: Plant, *, view: str, day: dt.date, today: dt.date, has_problem: bool,
               now: dt.datetime | None = None) -> str:
    """The plant page's data part (``plants/_plant_body.html``), rendered once and shared.

    Everyone who may see a plant sees the same body for the same period and minute, so it is
    rendered once per change of the data and per minute (see ``plant_data_key``), not on every
    request: with a dozen people on a plant page this is most of the page's database and
    template work (benchmarks/web_load.py)."""
    now = now or timezone.now()
    source = plant_data_key(plant, view=view, day=day, today=today, has_problem=has_problem, now=now)

    def render() -> str:
        nav = period_navigation(plant, view, day, today)
        period = None
        if view == "month":
            period = charts.month_series(plant, day.year, day.month)
        elif view == "year":
            period = charts.year_series(plant, day.year)
        summary = charts.energy_summary(plant, nav["start"], nav["end"], label=nav["label"])
        devices = list(plant.devices.all())
        for device in devices:
            device.state_label, device.state_class = charts.device_state(device)
        live = charts.live_summary(plant, now)
        return render_to_string("plants/_plant_body.html", {
            "plant": plant,
            "problem": has_problem,
            "first_sync": not live["has_data"] and not summary["has_history"],
            "live": live,
            "live_url": reverse("plant_live", args=[plant.pk]),
            "view": view,
            "day": day,
            "today": today,
            "nav": nav,
            "chart": {"url": nav["chart_url"], "kind": view, "timezone": plant.timezone, "title": nav["label"],
                      "refresh": view == "day" and nav["is_current"]},
            "period": period,
            "summary": summary,
            "devices": devices,
        })

    # rendered by our own template, escaped there
    return mark_safe(_shared(f"plant-body:{plant.pk}:{_digest(source)}", render))  # noqa: S308


# What is personal on a plant page is the person's name (the user menu) and the CSRF token of
# their forms. A page rendered for everyone with one role carries these markers instead, and each
# request puts its own in. NUL never occurs in our HTML and is not escaped by the templates.
_NAME_MARK = "\x00name\x00"
_CSRF_MARK = "\x00csrf\x00"


class _Person:
    """Who the shared page is rendered for: only what base.html asks of ``user``."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, is_staff: bool):
        self.is_staff = is_staff

    def get_username(self) -> str:
        return _NAME_MARK

    __str__ = get_username


def render_plant_page(request, plant: Plant, role: str, timezone_form=None, status: int = 200):
    today = plant.local_today()
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "day"
    notices = []
    try:
        day = parse_day(request.GET.get("date"), today)
    except BadParameter as exc:
        notices.append(f"{exc} Showing today instead.")
        day = today
    if day > today:
        notices.append(f"{day.isoformat()} has not happened yet in the plant’s timezone; showing today.")
        day = today
    now = timezone.now()
    problem = account_problem(plant.account, role, plant.tz)
    owner_name = plant.account.owner.get_username()

    def page(personal: dict) -> str:
        start, end = period_bounds(view, day)
        can_edit = role in (Role.OWNER, Role.EDITOR)
        form = None
        if can_edit:
            form = timezone_form or PlantTimezoneForm(instance=plant)
            form.fields["timezone"].widget.attrs.update({"list": "tz-names", "autocomplete": "off"})
        return render_to_string("plants/plant_detail.html", {
            "plant": plant,
            "role": role,
            "active": "overview",
            "can_edit": can_edit,
            "owner_name": owner_name,
            "problem": problem,
            "notices": notices,
            "view": view,
            "body": plant_body(plant, view=view, day=day, today=today, has_problem=problem is not None, now=now),
            "export": {"url": reverse("plant_export_csv", args=[plant.pk]), "start": start,
                       "end": min(end, today), "max": today},
            "timezone_form": form,
            "timezone_url": reverse("plant_timezone", args=[plant.pk]),
            "timezone_options": timezone_datalist() if can_edit else "",
            **personal,
        }, request=request)

    # The usual plant page (no form errors, no notice, no message waiting for this person) is
    # the same for everyone with the same role but for the name and the CSRF token: it is
    # rendered once per data change and minute and shared, like its data part.
    if settings.PLANT_PAGE_CACHE_SECONDS > 0 and timezone_form is None and not notices \
            and not len(messages.get_messages(request)):
        data = plant_data_key(plant, view=view, day=day, today=today, has_problem=problem is not None, now=now)
        key = f"plant-page:{plant.pk}:{_digest(f'{data}|{role}|{request.user.is_staff}|{problem}|{owner_name}')}"
        html = _shared(key, lambda: page({"user": _Person(request.user.is_staff), "csrf_token": _CSRF_MARK}))
        html = html.replace(_NAME_MARK, escape(request.user.get_username())).replace(_CSRF_MARK, get_token(request))
        return HttpResponse(html, status=status)
    return HttpResponse(page({}), status=status)


@login_required
@require_safe
def plant_detail(request, pk):
    plant, role = get_plant_for_user(request, pk)
    return render_plant_page(request, plant, role)


@login_required
@require_POST
def plant_timezone(request, pk):
    """Owners and editors correct the IANA timezone Growatt's settings suggested."""
    plant, role = get_plant_for_edit(request, pk)
    old = plant.timezone
    form = PlantTimezoneForm(request.POST, instance=plant)
    if form.is_valid():
        plant.timezone = form.cleaned_data["timezone"]
        plant.timezone_from_user = True
        plant.save(update_fields=["timezone", "timezone_from_user"])
        if plant.timezone == old:
            messages.info(request, f"The timezone stays {old}; it will no longer be guessed from Growatt.")
        else:
            messages.success(request, f"Timezone changed from {old} to {plant.timezone}. Days and charts use it now.")
        return redirect("plant_detail", pk=plant.pk)
    plant.timezone = old  # the page keeps showing the plant as it is; the form keeps what was typed
    return render_plant_page(request, plant, role, timezone_form=form, status=400)


# --------------------------------------------------------------------------------------
# JSON endpoints
# --------------------------------------------------------------------------------------


@login_required
@require_safe
def plant_live(request, pk):
    plant, _role = get_plant_for_user(request, pk)
    response = JsonResponse(charts.live_summary(plant))
    response["Cache-Control"] = "private, no-cache"
    return response


@login_required
@require_safe
def plant_chart_day(request, pk):
    plant, _role = get_plant_for_user(request, pk)
    today = plant.local_today()
    try:
        day = parse_day(request.GET.get("date"), today)
    except BadParameter as exc:
        return json_error(str(exc))
    return chart_json(charts.day_series(plant, day), past=day < today)


@login_required
@require_safe
def plant_chart_month(request, pk):
    plant, _role = get_plant_for_user(request, pk)
    today = plant.local_today()
    try:
        year, month = parse_month(request.GET.get("month"), today)
    except BadParameter as exc:
        return json_error(str(exc))
    return chart_json(charts.month_series(plant, year, month), past=(year, month) < (today.year, today.month))


@login_required
@require_safe
def plant_chart_year(request, pk):
    plant, _role = get_plant_for_user(request, pk)
    today = plant.local_today()
    try:
        year = parse_year(request.GET.get("year"), today)
    except BadParameter as exc:
        return json_error(str(exc))
    return chart_json(charts.year_series(plant, year), past=year < today.year)


# --------------------------------------------------------------------------------------
# Devices
# --------------------------------------------------------------------------------------


def _device_url(plant: Plant, device: Device, day: dt.date) -> str:
    return f"{reverse('device_detail', args=[plant.pk, device.pk])}?{urlencode({'date': day.isoformat()})}"


@login_required
@require_safe
def device_detail(request, pk, device_pk):
    plant, role = get_plant_for_user(request, pk)
    device = get_object_or_404(Device, plant=plant, pk=device_pk)
    device.plant = plant  # already loaded; saves a query
    today = plant.local_today()
    notices = []
    try:
        day = parse_day(request.GET.get("date"), today)
    except BadParameter as exc:
        notices.append(f"{exc} Showing today instead.")
        day = today
    day = min(day, today)
    state_label, state_class = charts.device_state(device)
    day_label = "Today" if day == today else charts.long_date(day)
    detail_rows = sorted(((str(k), v) for k, v in (device.detail or {}).items()), key=lambda kv: kv[0].lower())
    return render(request, "plants/device_detail.html", {
        "plant": plant,
        "role": role,
        "active": "overview",
        "device": device,
        "state_label": state_label,
        "state_class": state_class,
        "key_values": charts.device_key_values(device),
        "strings": charts.device_strings(device),
        "temperatures": charts.device_temperatures(device),
        "detail_rows": detail_rows,
        "notices": notices,
        "day": day,
        "today": today,
        "day_label": day_label,
        "prev_url": _device_url(plant, device, day - dt.timedelta(days=1)),
        "next_url": _device_url(plant, device, day + dt.timedelta(days=1)) if day < today else None,
        "today_url": _device_url(plant, device, today) if day < today else None,
        "chart": {"url": f"{reverse('device_chart_day', args=[plant.pk, device.pk])}?date={day.isoformat()}",
                  "kind": "day", "timezone": plant.timezone, "title": day_label, "refresh": day == today,
                  "device": True},
    })


@login_required
@require_safe
def device_chart_day(request, pk, device_pk):
    plant, _role = get_plant_for_user(request, pk)
    device = get_object_or_404(Device, plant=plant, pk=device_pk)
    today = plant.local_today()
    try:
        day = parse_day(request.GET.get("date"), today)
    except BadParameter as exc:
        return json_error(str(exc))
    return chart_json(charts.device_day_series(device, day, plant=plant), past=day < today)


# --------------------------------------------------------------------------------------
# CSV export
# --------------------------------------------------------------------------------------


@login_required
@require_safe
def plant_export_csv(request, pk):
    plant, _role = get_plant_for_user(request, pk)
    form = ExportForm(request.GET, today=plant.local_today())
    if not form.is_valid():
        return export_error_response(request, plant, form)
    return export_response(plant, form.cleaned_data["kind"], form.cleaned_data["start"], form.cleaned_data["end"])
