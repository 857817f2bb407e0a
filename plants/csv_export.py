"""CSV export of a plant's 5-minute samples or daily energy for a plant-local date range.

The header names carry the units (``pv_w``, ``pv_kwh``, ``soc_percent``);
timestamps are ISO 8601 with the plant's UTC offset (``2026-11-25T13:05:00+01:00``),
so a spreadsheet shows plant-local time and the exact instant is never lost
across a DST change. Rows are streamed, a chunk of rows at a time, so a
three-year export neither waits nor fills the server's memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator

from django import forms
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse

from plants.models import ENERGY_FIELDS, SAMPLE_FIELDS, DailyEnergy, Plant, PowerSample

MAX_EXPORT_DAYS = 3 * 366
CHUNK = 2000

SAMPLE_HEADER = ["timestamp", "pv_w", "load_w", "grid_import_w", "grid_export_w", "battery_charge_w",
                 "battery_discharge_w", "soc_percent"]
DAILY_HEADER = ["date", "pv_kwh", "load_kwh", "grid_import_kwh", "grid_export_kwh", "battery_charge_kwh",
                "battery_discharge_kwh", "complete"]


class ExportForm(forms.Form):
    KIND_CHOICES = [("samples", "5-minute power samples (W)"), ("daily", "Daily energy (kWh)")]

    start = forms.DateField(label="From", input_formats=["%Y-%m-%d"])
    end = forms.DateField(label="To", input_formats=["%Y-%m-%d"])
    kind = forms.ChoiceField(label="Data", choices=KIND_CHOICES, required=False)

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_kind(self):
        return self.cleaned_data.get("kind") or "samples"

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(
                    f"The start date ({start.isoformat()}) is after the end date ({end.isoformat()}).")
            if (end - start).days + 1 > MAX_EXPORT_DAYS:
                raise forms.ValidationError(
                    f"That is {(end - start).days + 1} days; one export covers at most {MAX_EXPORT_DAYS} days "
                    "(three years). Export the years one by one.")
            if start.year < 2000 or end > self.today + dt.timedelta(days=1):
                raise forms.ValidationError("Pick dates between 2000 and today.")
        return cleaned

    def messages(self) -> list[str]:
        found = list(self.non_field_errors())
        for name in ("start", "end", "kind"):
            for error in self.errors.get(name, []):
                label = self.fields[name].label
                found.append(f"{label}: {error} Use YYYY-MM-DD." if name != "kind" else f"{label}: {error}")
        return found


class _Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value: str) -> str:
        return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if value == value else ""
    return str(value)


def sample_rows(plant: Plant, start: dt.date, end: dt.date) -> Iterator[list[str]]:
    tz = plant.tz
    first, _ = plant.day_bounds(start)
    _, last = plant.day_bounds(end)
    yield SAMPLE_HEADER
    rows = (PowerSample.objects.filter(plant=plant, ts__gte=first, ts__lt=last).order_by("ts")
            .values_list("ts", *SAMPLE_FIELDS).iterator(chunk_size=CHUNK))
    for ts, *values in rows:
        yield [ts.astimezone(tz).isoformat(timespec="seconds"), *(_cell(v) for v in values)]


def daily_rows(plant: Plant, start: dt.date, end: dt.date) -> Iterator[list[str]]:
    yield DAILY_HEADER
    rows = (DailyEnergy.objects.filter(plant=plant, date__gte=start, date__lte=end).order_by("date")
            .values_list("date", *ENERGY_FIELDS, "complete").iterator(chunk_size=CHUNK))
    for day, *values in rows:
        yield [day.isoformat(), *(_cell(v) for v in values)]


def export_filename(plant: Plant, kind: str, start: dt.date, end: dt.date) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", plant.name.lower()).strip("-") or f"plant-{plant.pk}"
    span = start.isoformat() if start == end else f"{start.isoformat()}_{end.isoformat()}"
    return f"{slug[:60]}-{kind}-{span}.csv"


def export_response(plant: Plant, kind: str, start: dt.date, end: dt.date) -> StreamingHttpResponse:
    rows = daily_rows(plant, start, end) if kind == "daily" else sample_rows(plant, start, end)
    writer = csv.writer(_Echo(), lineterminator="\n")
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(plant, kind, start, end)}"'
    response["Cache-Control"] = "private, no-store"
    return response


def export_error_response(request, plant: Plant, form: ExportForm):
    return render(request, "plants/export_error.html", {
        "plant": plant,
        "errors": form.messages(),
        "back_url": reverse("plant_detail", args=[plant.pk]),
    }, status=400)
