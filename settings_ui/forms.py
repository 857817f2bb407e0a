"""Forms that turn what people type into the typed values the Growatt client sends.

Schedule forms produce a :mod:`growatt.schedules` object in ``cleaned_data["schedule"]``: fields
clean to ``int``/``datetime.time``/``bool``, and ``clean()`` applies the cross-field rules
(an enabled slot needs a start and an end that differ, enabled slots must not overlap) with the
error placed on the slot it concerns. The schedule object's own ``validate()`` runs last, so a
form that is valid always yields a parameter list the client accepts.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError

from growatt import ScheduleError, TimeSlot
from settings_ui.schedules import ScheduleKind

SLOTS = (1, 2, 3)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs={"step": "60", **(attrs or {})}, format="%H:%M")


class MinuteTimeField(forms.TimeField):
    """A time of day in whole minutes (the inverter has no seconds)."""

    widget = TimeInput
    input_formats = ["%H:%M", "%H:%M:%S", "%H.%M"]
    default_error_messages = {"invalid": "Enter a time like 23:30."}

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
            if len(value) > 10:  # nothing longer is a time; spares strptime absurd input
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        result = super().to_python(value)
        if result is not None and (result.second or result.microsecond):
            raise ValidationError("The inverter takes whole minutes: leave out the seconds.", code="seconds")
        return result


class PercentField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 100)
        kwargs.setdefault("widget", forms.NumberInput(attrs={"inputmode": "numeric", "class": "percent"}))
        super().__init__(**kwargs)
        self.error_messages["invalid"] = "Enter a whole number of percent (0–100)."


class ScheduleForm(forms.Form):
    """Power %, stop SOC %, (AC charging), three time slots → a schedule object."""

    power = PercentField(label="Power", help_text="Share of the inverter's battery power, in %.")
    stop_soc = PercentField(label="Stop SOC")
    ac_charge = forms.BooleanField(
        label="Allow charging from the grid", required=False,
        help_text="Without this, the battery only charges from solar inside the windows.",
    )
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    slot1_enabled = forms.BooleanField(label="On", required=False)
    slot1_start = MinuteTimeField(label="From", required=False)
    slot1_end = MinuteTimeField(label="Until", required=False)
    slot2_enabled = forms.BooleanField(label="On", required=False)
    slot2_start = MinuteTimeField(label="From", required=False)
    slot2_end = MinuteTimeField(label="Until", required=False)
    slot3_enabled = forms.BooleanField(label="On", required=False)
    slot3_start = MinuteTimeField(label="From", required=False)
    slot3_end = MinuteTimeField(label="Until", required=False)

    def __init__(self, *args, kind: ScheduleKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.fields["power"].label = kind.power_label
        self.fields["stop_soc"].label = kind.soc_label
        self.fields["stop_soc"].help_text = kind.soc_help
        if not kind.has_ac_switch:
            del self.fields["ac_charge"]

    def slot_rows(self):
        """(number, enabled, start, end) bound fields for the template's slot table."""
        return [(n, self[f"slot{n}_enabled"], self[f"slot{n}_start"], self[f"slot{n}_end"]) for n in SLOTS]

    def head_fields(self):
        names = ["power", "stop_soc"] + (["ac_charge"] if "ac_charge" in self.fields else [])
        return [self[name] for name in names]

    def clean(self):
        data = super().clean()
        slots: list[TimeSlot | None] = []
        for n in SLOTS:
            enabled = bool(data.get(f"slot{n}_enabled"))
            start_key, end_key = f"slot{n}_start", f"slot{n}_end"
            if start_key in self.errors or end_key in self.errors:
                slots.append(None)
                continue
            start, end = data.get(start_key), data.get(end_key)
            if enabled:
                if start is None:
                    self.add_error(start_key, f"Window {n} is on: enter when it starts.")
                if end is None:
                    self.add_error(end_key, f"Window {n} is on: enter when it ends.")
                if start is None or end is None:
                    slots.append(None)
                    continue
                if start == end:
                    self.add_error(end_key, f"Window {n} would start and end at {start:%H:%M}. "
                                            "Pick an end time, or switch the window off.")
                    slots.append(None)
                    continue
            slots.append(TimeSlot(start or dt.time(0, 0), end or dt.time(0, 0), enabled))

        enabled = [(n, s) for n, s in zip(SLOTS, slots) if s is not None and s.enabled]
        for i, (n_a, a) in enumerate(enabled):
            for n_b, b in enabled[i + 1:]:
                if a.overlaps(b):
                    self.add_error(f"slot{n_b}_start",
                                   f"Window {n_b} ({b.start:%H:%M}–{b.end:%H:%M}) overlaps window {n_a} "
                                   f"({a.start:%H:%M}–{a.end:%H:%M}). Windows that are on must not overlap.")
        if self.errors or any(s is None for s in slots):
            return data

        args = {self.kind.power_field: data["power"], "stop_soc": data["stop_soc"], "slots": tuple(slots)}
        if self.kind.has_ac_switch:
            args["ac_charge"] = bool(data.get("ac_charge"))
        try:
            schedule = self.kind.schedule_cls(**args)
            schedule.validate()
        except ScheduleError as exc:  # the client's rules are the last word
            raise ValidationError(f"The inverter would not accept this: {exc}") from None
        data["schedule"] = schedule
        return data

    @property
    def schedule(self):
        return self.cleaned_data["schedule"]


class AcknowledgeForm(forms.Form):
    """Shown once per person, before their first preview."""

    acknowledge = forms.BooleanField(
        label="I understand that growattweb sends these settings to my real inverter through Growatt's cloud.",
        error_messages={"required": "Tick the box to confirm you have read this."},
    )


# --------------------------------------------------------------------------------------
# Plant settings
# --------------------------------------------------------------------------------------

# form field -> (multipart field of updatePlant, key in getPlant)
PLANT_FIELDS = {
    "name": ("plantName", "plantName"),
    "address": ("plantAddress", "plantAddress"),
    "city": ("plantCity", "city"),
    "country": ("plantCountry", "country"),
    "timezone": ("plantTimezone", "timezone"),
    "latitude": ("plantLat", "plant_lat"),
    "longitude": ("plantLng", "plant_lng"),
    "nominal_power": ("plantPower", "nominalPower"),
    "installed_on": ("plantDate", "createDateText"),
    "income_per_kwh": ("plantIncome", "formulaMoneyStr"),
    "currency": ("plantMoney", "formulaMoneyUnitId"),
    "co2": ("plantCo2", "formulaCo2"),
    "so2": ("plantSo2", "formulaSo2"),
    "coal": ("plantCoal", "formulaCoal"),
    "plant_type": ("plantType", "plantType"),
}

# Growatt numbers plant types; the app's labels for them (0 is what most home systems use).
PLANT_TYPES = [(0, "Residential"), (1, "Commercial"), (2, "Ground-mounted power station")]

_OFFSET_RE = re.compile(r"(?:GMT|UTC)?\s*([+-]?\d{1,2})(?:\.0+)?$", re.IGNORECASE)


def parse_offset(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    match = _OFFSET_RE.match(str(value or "").strip())
    return int(match.group(1)) if match else None


def parse_decimal(value) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def parse_date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value or "").strip()[:10])
    except ValueError:
        return None


def format_decimal(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def format_value(value) -> str:
    """How a cleaned value is written into the updatePlant form."""
    if isinstance(value, Decimal):
        return format_decimal(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def normalise_current(name: str, raw) -> object:
    """A getPlant value in the type the form field cleans to (None when unreadable)."""
    if name in ("latitude", "longitude", "income_per_kwh", "co2", "so2", "coal"):
        return parse_decimal(raw)
    if name == "timezone":
        return parse_offset(raw)
    if name in ("nominal_power", "plant_type"):
        number = parse_decimal(raw)
        return int(number) if number is not None and number == number.to_integral_value() else None
    if name == "installed_on":
        return parse_date(raw)
    return "" if raw is None else str(raw).strip()


def current_plant_values(reply: dict) -> dict:
    """The getPlant reply as form-typed values, keyed by form field."""
    return {name: normalise_current(name, reply.get(key)) for name, (_, key) in PLANT_FIELDS.items()}


def currency_choices(reply: dict) -> list[tuple[str, str]]:
    unit_map = reply.get("unitMap") if isinstance(reply.get("unitMap"), dict) else {}
    choices = [(str(v), f"{k} ({v})") for k, v in unit_map.items() if v]
    current = str(reply.get("formulaMoneyUnitId") or "")
    if current and current not in {value for value, _ in choices}:
        choices.insert(0, (current, current))
    return choices


class PlantSettingsForm(forms.Form):
    """Everything ``updatePlant`` takes, checked; ``changes()`` lists only what differs from Growatt."""

    name = forms.CharField(label="Plant name", max_length=100)
    address = forms.CharField(label="Address", max_length=200, required=False)
    city = forms.CharField(label="City", max_length=100, required=False)
    country = forms.CharField(label="Country", max_length=100, required=False)
    timezone = forms.IntegerField(
        label="Time zone offset (hours from UTC)", min_value=-12, max_value=14,
        help_text="Growatt's fixed offset without daylight saving. Changing it shifts the times Growatt "
                  "reports and can move the inverter's clock.",
    )
    latitude = forms.DecimalField(label="Latitude", min_value=-90, max_value=90, decimal_places=7,
                                  help_text="−90 (south) to 90 (north).")
    longitude = forms.DecimalField(label="Longitude", min_value=-180, max_value=180, decimal_places=7,
                                   help_text="−180 (west) to 180 (east).")
    nominal_power = forms.IntegerField(label="Nominal power (W)", min_value=1, max_value=100_000_000,
                                       help_text="The size of the solar array in watts, e.g. 6200.")
    installed_on = forms.DateField(label="Installation date",
                                   widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    income_per_kwh = forms.DecimalField(label="Income per kWh", min_value=0, max_value=1000, decimal_places=4)
    currency = forms.ChoiceField(label="Currency")
    co2 = forms.DecimalField(label="CO₂ avoided (kg per kWh)", min_value=0, max_value=100, decimal_places=4)
    so2 = forms.DecimalField(label="SO₂ avoided (kg per kWh)", min_value=0, max_value=100, decimal_places=4)
    coal = forms.DecimalField(label="Coal saved (kg per kWh)", min_value=0, max_value=100, decimal_places=4)
    plant_type = forms.TypedChoiceField(label="Plant type", coerce=int, choices=PLANT_TYPES)
    fingerprint = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    GROUPS = (
        ("Plant", ("name", "plant_type", "installed_on", "nominal_power")),
        ("Location", ("address", "city", "country", "latitude", "longitude", "timezone")),
        ("Money and savings", ("income_per_kwh", "currency", "co2", "so2", "coal")),
    )

    def __init__(self, *args, reply: dict, today: dt.date, **kwargs):
        self.reply = reply
        self.current = current_plant_values(reply)
        kwargs.setdefault("initial", {k: v for k, v in self.current.items() if v is not None})
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["currency"].choices = currency_choices(reply)
        current_type = self.current.get("plant_type")
        known = {value for value, _ in PLANT_TYPES}
        if current_type is not None and current_type not in known:
            self.fields["plant_type"].choices = [*PLANT_TYPES, (current_type, f"Type {current_type}")]
        for name in ("latitude", "longitude", "income_per_kwh", "co2", "so2", "coal"):
            self.fields[name].widget.attrs.setdefault("step", "any")

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("The plant needs a name.")
        return name

    def clean_installed_on(self):
        day = self.cleaned_data["installed_on"]
        if day > self.today:
            raise ValidationError("The installation date cannot be in the future.")
        if day.year < 1990:
            raise ValidationError("Enter the date the system was installed.")
        return day

    def changes(self) -> dict[str, tuple[object, object]]:
        """``{field: (current, new)}`` for every field whose value differs from Growatt's."""
        changed = {}
        for name in PLANT_FIELDS:
            new = self.cleaned_data.get(name)
            old = self.current.get(name)
            both_text = isinstance(new, str) and isinstance(old, str)
            if (new.strip() != old.strip()) if both_text else (new != old):
                changed[name] = (old, new)
        return changed

    def multipart_changes(self) -> dict[str, str]:
        """The ``changed_settings`` for ``update_plant_settings``: multipart field → string."""
        return {PLANT_FIELDS[name][0]: format_value(new) for name, (_, new) in self.changes().items()}
