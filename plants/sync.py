"""Sync: Growatt → growatt client → here → database.

One cycle per account (``sync_account``): discover plants and devices when due,
then per plant fetch live values and today's 5-minute curve in as few calls as
the protocol allows (2 for a hybrid plant), then backfill missing past days up
to the horizon within the cycle's request budget. Every write is an upsert, so
a repeated or interrupted cycle changes nothing and loses nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from growatt import (
    AccountLocked,
    BadCredentials,
    DeviceNotFound,
    GrowattError,
    Timespan,
    UnexpectedReply,
)
from growatt.values import parse_percent, to_float
from plants.crypto import EncryptionKeyError
from plants.explain import explain_growatt_error
from plants.growatt_link import (
    AccountLink,
    CredentialsRefused,
    LoginCapReached,
    StillLocked,
)
from plants.models import (
    ENERGY_FIELDS,
    SAMPLE_FIELDS,
    DailyEnergy,
    Device,
    DeviceSample,
    GrowattAccount,
    Plant,
    PowerSample,
    SyncRun,
)
from plants.timezones import infer_timezone

log = logging.getLogger(__name__)

KIND_BY_GROWATT_TYPE = {
    "inverter": Device.Kind.INVERTER,
    "max": Device.Kind.INVERTER,
    "tlx": Device.Kind.TLX,
    "mix": Device.Kind.MIX,
    "spa": Device.Kind.SPA,
    "storage": Device.Kind.STORAGE,
}
STEP = dt.timedelta(minutes=5)

# Raised while reading a reply, these mean Growatt sent a shape nobody expected: a list where an
# object belongs, a string where a number does, nesting deeper than the JSON parser goes. The
# cycle treats them like an unreadable reply (recorded, retried later), never as a crash.
REPLY_SHAPE_ERRORS = (AttributeError, TypeError, KeyError, IndexError, ValueError, OverflowError, RecursionError)


class BudgetExhausted(Exception):
    """The cycle used its request budget; the rest waits for the next cycle."""


# --------------------------------------------------------------------------------------
# Parsing replies into samples
# --------------------------------------------------------------------------------------


def finite(value) -> float | None:
    """A float the database can keep: NaN and ±inf (a huge kW value × 1000 overflows) become None."""
    return value if value is None or math.isfinite(value) else None


def text(value, limit: int, default: str = "") -> str:
    """A reply's string (or number) for a CharField: other types ignored, NUL dropped, cut to ``limit``."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return default
    return str(value).replace("\x00", "").strip()[:limit] or default


def storable(value, depth: int = 0):
    """A reply kept as JSON (device detail, plant settings) that every database accepts: no NaN or
    infinity (PostgreSQL's jsonb refuses them), no NUL, and bounded depth and size."""
    if isinstance(value, float):
        return finite(value)
    if isinstance(value, str):
        return value.replace("\x00", "")[:2000]
    if value is None or isinstance(value, bool | int):
        return value if not isinstance(value, int) or abs(value) < 2**63 else None
    if depth >= 6:
        return None
    if isinstance(value, dict):
        return {str(k).replace("\x00", "")[:100]: storable(v, depth + 1) for k, v in list(value.items())[:500]}
    if isinstance(value, list):
        return [storable(v, depth + 1) for v in value[:500]]
    return None


def kw_to_w(value) -> float | None:
    number = to_float(value)
    return None if number is None else finite(number * 1000.0)


def chart_time(key: str, day: dt.date, tz) -> dt.datetime | None:
    """A chart key ("HH:MM" or "YYYY-MM-DD HH:MM") of a plant-local day → aware UTC datetime."""
    key = str(key).strip()
    try:
        if len(key) > 5:
            moment = dt.datetime.strptime(key[:16], "%Y-%m-%d %H:%M")
        else:
            hours, minutes = key.split(":")
            moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=int(hours), minutes=int(minutes))
    except (ValueError, TypeError):
        return None
    return moment.replace(tzinfo=tz).astimezone(dt.UTC)


def _first(data: dict, *keys):
    for key in keys:
        if key in data and data[key] not in (None, ""):
            return data[key]
    return None


def balance_charge(pv, imp, discharge, load, export) -> float | None:
    """Battery charge power from the energy balance pv + import + discharge = load + export + charge."""
    if pv is None or load is None:
        return None
    value = (pv or 0) + (imp or 0) + (discharge or 0) - (load or 0) - (export or 0)
    return max(value, 0.0)


def parse_flow_chart(chart: dict, day: dt.date, tz) -> dict[dt.datetime, dict]:
    """mix_detail / dashboard_data ``chartData`` (kW values keyed "HH:MM") → W per UTC time."""
    points: dict[dt.datetime, dict] = {}
    if not isinstance(chart, dict):
        return points
    for key, row in chart.items():
        ts = chart_time(key, day, tz)
        if ts is None or not isinstance(row, dict):
            continue
        pv = kw_to_w(row.get("ppv"))
        load = kw_to_w(_first(row, "sysOut", "userLoad", "elocalLoad"))
        imp = kw_to_w(row.get("pacToUser"))
        export = kw_to_w(row.get("pacToGrid"))
        discharge = kw_to_w(_first(row, "pdischarge", "pdisCharge", "pDischarge"))
        charge = kw_to_w(_first(row, "pcharge", "pCharge", "charge", "pacCharge"))
        if charge is None:
            charge = balance_charge(pv, imp, discharge, load, export)
        soc = to_float(_first(row, "soc", "SOC", "capacity"))
        points[ts] = {"pv_w": pv, "load_w": load, "grid_import_w": imp, "grid_export_w": export,
                      "battery_charge_w": charge, "battery_discharge_w": discharge, "soc": soc}
    return points


def parse_pac_chart(chart: dict, day: dt.date, tz) -> dict[dt.datetime, dict]:
    """``invPacData`` (W keyed "YYYY-MM-DD HH:MM", unordered, with gaps) → W per UTC time."""
    points: dict[dt.datetime, dict] = {}
    if not isinstance(chart, dict):
        return points
    for key, value in chart.items():
        ts = chart_time(key, day, tz)
        power = to_float(value)
        if ts is None or power is None:
            continue
        if ts.astimezone(tz).date() != day:
            continue
        points[ts] = {"pv_w": power}
    return points


# --------------------------------------------------------------------------------------
# Per device kind: which calls give live values and the day curve
# --------------------------------------------------------------------------------------


@dataclass
class Live:
    plant: dict = field(default_factory=dict)  # live_* plant fields (W, %)
    device: dict = field(default_factory=dict)  # typed Device fields
    detail: dict | None = None
    today_kwh: float | None = None
    total_kwh: float | None = None


def live_mix(link: AccountLink, plant: Plant, device: Device) -> Live:
    obj = link.call("mix_system_status", device.serial, plant.growatt_id) or {}
    pv = kw_to_w(obj.get("ppv"))
    charge = kw_to_w(obj.get("chargePower"))
    discharge = kw_to_w(_first(obj, "pdisCharge1", "pdisCharge"))
    soc = parse_percent(obj.get("SOC"))
    return Live(
        plant={"live_pv_w": pv, "live_load_w": kw_to_w(obj.get("pLocalLoad")),
               "live_grid_import_w": kw_to_w(obj.get("pactouser")),
               "live_grid_export_w": kw_to_w(obj.get("pactogrid")),
               "live_battery_charge_w": charge, "live_battery_discharge_w": discharge, "live_soc": soc},
        device={"pv_power_w": pv, "soc": soc, "battery_voltage": to_float(obj.get("vBat")),
                "grid_voltage": to_float(_first(obj, "vAc1", "vac1")), "grid_frequency": to_float(obj.get("fAc")),
                "status": str(obj.get("lost") or obj.get("status") or "")},
        detail=obj,
    )


def live_tlx(link: AccountLink, plant: Plant, device: Device) -> Live:
    reply = link.call("tlx_detail", device.serial) or {}
    data = reply.get("data") if isinstance(reply.get("data"), dict) else reply
    pv = to_float(data.get("ppv"))
    soc = parse_percent(data.get("bmsSoc"))
    charge = sum(filter(None, (to_float(data.get(f"bdc{i}ChargePower")) for i in (1, 2)))) if data else None
    discharge = sum(filter(None, (to_float(data.get(f"bdc{i}DischargePower")) for i in (1, 2)))) if data else None
    return Live(
        plant={"live_pv_w": pv, "live_load_w": to_float(data.get("pacToLocalLoad")),
               "live_grid_import_w": to_float(data.get("pacToUserTotal")),
               "live_grid_export_w": to_float(data.get("pacToGridTotal")),
               "live_battery_charge_w": charge, "live_battery_discharge_w": discharge, "live_soc": soc},
        device={"pv_power_w": pv, "ac_power_w": to_float(data.get("pac")), "soc": soc,
                "grid_voltage": to_float(data.get("vacrs")), "grid_frequency": to_float(data.get("fac")),
                "temperature": to_float(data.get("temp1")),
                "energy_today_kwh": to_float(data.get("eacToday")),
                "energy_total_kwh": to_float(data.get("eacTotal")),
                "status": str(data.get("status", ""))},
        detail=data,
        today_kwh=to_float(data.get("eacToday")), total_kwh=to_float(data.get("eacTotal")),
    )


def live_inverter(link: AccountLink, plant: Plant, device: Device) -> Live:
    reply = link.call("inverter_detail", device.serial) or {}
    data = reply.get("data") if isinstance(reply.get("data"), dict) else reply
    pv = to_float(_first(data, "ppv", "pac"))
    return Live(
        plant={"live_pv_w": pv},
        device={"pv_power_w": pv, "ac_power_w": to_float(data.get("pac")),
                "grid_voltage": to_float(data.get("vacr")), "grid_frequency": to_float(data.get("fac")),
                "temperature": to_float(data.get("temperature")),
                "energy_today_kwh": to_float(data.get("powerToday")),
                "energy_total_kwh": to_float(data.get("powerTotal")),
                "status": str(data.get("status", ""))},
        detail=data,
        today_kwh=to_float(data.get("powerToday")), total_kwh=to_float(data.get("powerTotal")),
    )


def live_storage(link: AccountLink, plant: Plant, device: Device) -> Live:
    reply = link.call("storage_params", device.serial) or {}
    bean = reply.get("storageDetailBean") if isinstance(reply.get("storageDetailBean"), dict) else reply
    pv = sum(filter(None, (to_float(bean.get("ppv")), to_float(bean.get("ppv2"))))) if bean else None
    load = to_float(bean.get("outPutPower"))
    imp = to_float(bean.get("pAcInPut"))
    charge = to_float(bean.get("pCharge"))
    discharge = None
    if load is not None and pv is not None:
        discharge = max((load or 0) + (charge or 0) - (pv or 0) - (imp or 0), 0.0)
    soc = parse_percent(bean.get("capacity"))
    return Live(
        plant={"live_pv_w": pv, "live_load_w": load, "live_grid_import_w": imp, "live_grid_export_w": 0.0,
               "live_battery_charge_w": charge, "live_battery_discharge_w": discharge, "live_soc": soc},
        device={"pv_power_w": pv, "ac_power_w": load, "soc": soc, "battery_voltage": to_float(bean.get("vBat")),
                "grid_voltage": to_float(bean.get("vGrid")), "grid_frequency": to_float(bean.get("freqGrid")),
                "energy_today_kwh": to_float(bean.get("epvToday")),
                "energy_total_kwh": to_float(bean.get("epvTotal")),
                "status": str(bean.get("status", ""))},
        detail=bean,
        today_kwh=to_float(bean.get("epvToday")), total_kwh=to_float(bean.get("epvTotal")),
    )


LIVE = {
    Device.Kind.MIX: live_mix,
    Device.Kind.TLX: live_tlx,
    Device.Kind.INVERTER: live_inverter,
    Device.Kind.STORAGE: live_storage,
}


def curve_plan(devices: list[Device]) -> tuple[list[Device], bool, list[Device]]:
    """Which calls make the plant's day curve.

    Returns (mix devices, whether the plant-level dashboard chart is needed,
    PV inverters whose own curves add up). The dashboard chart covers storage
    and AC-coupled plants; mix devices bring their own flow chart.
    """
    mixes = [d for d in devices if d.kind == Device.Kind.MIX]
    if mixes:
        return mixes, False, []
    if any(d.kind in (Device.Kind.SPA, Device.Kind.STORAGE) for d in devices):
        return [], True, []
    return [], False, [d for d in devices if d.kind in (Device.Kind.INVERTER, Device.Kind.TLX)]


def fetch_day(link: AccountLink, plant: Plant, devices: list[Device], day: dt.date, today: bool = False):
    """Fetch one plant-local day's curves. Returns (plant points, {device: device points})."""
    tz = plant.tz
    date = dt.datetime.combine(day, dt.time())
    mixes, dashboard, inverters = curve_plan(devices)
    plant_points: dict[dt.datetime, dict] = defaultdict(dict)
    device_points: dict[Device, dict[dt.datetime, dict]] = {}

    def merge(points: dict[dt.datetime, dict]):
        for ts, values in points.items():
            row = plant_points[ts]
            for name, value in values.items():
                if value is None:
                    row.setdefault(name, None)
                elif name == "soc":
                    row[name] = value if row.get(name) is None else (row[name] + value) / 2
                else:
                    row[name] = (row.get(name) or 0.0) + value

    start, end = plant.day_bounds(day)
    latest = timezone.now()

    def series(reply, key: str, method: str) -> dict:
        # A reply without its series is not "a day without data": it must not mark a past day complete.
        chart = reply.get(key) if isinstance(reply, dict) else None
        if not isinstance(chart, dict):
            raise UnexpectedReply(f"{method} reply has no {key} series")
        return chart

    def inside(points: dict[dt.datetime, dict]) -> dict[dt.datetime, dict]:
        # Only this plant-local day, and nothing from the future (a key like "24:00" or "23:55" at noon).
        return {ts: p for ts, p in points.items() if start <= ts < end and ts <= latest}

    for device in mixes:
        obj = link.call("mix_detail", device.serial, plant.growatt_id, Timespan.hour, date, retries=1)
        points = inside(parse_flow_chart(series(obj, "chartData", "mix_detail"), day, tz))
        merge(points)
        device_points[device] = {ts: {"power_w": p["pv_w"], "soc": p["soc"]} for ts, p in points.items()}
    if dashboard:
        reply = link.call("dashboard_data", plant.growatt_id, Timespan.hour, date, retries=1)
        points = inside(parse_flow_chart(series(reply, "chartData", "dashboard_data"), day, tz))
        merge(points)
        for device in devices:
            if device.kind in (Device.Kind.SPA, Device.Kind.STORAGE):
                device_points[device] = {ts: {"power_w": p["pv_w"], "soc": p["soc"]} for ts, p in points.items()}
    for device in inverters:
        method = "tlx_data" if device.kind == Device.Kind.TLX else "inverter_data"
        reply = link.call(method, device.serial, date, retries=1)
        points = inside(parse_pac_chart(series(reply, "invPacData", method), day, tz))
        merge(points)
        device_points[device] = {ts: {"power_w": p["pv_w"], "soc": None} for ts, p in points.items()}
    for row in plant_points.values():  # sums of huge values can overflow
        for name, value in row.items():
            row[name] = finite(value)
    return plant_points, device_points


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


UPSERT_CHUNK = 5000  # rows per statement on PostgreSQL


def _float(value) -> float | None:
    return None if value is None else finite(float(value))


def _psycopg3() -> bool:
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return is_psycopg3


def upsert_rows(model, keys: tuple[str, ...], fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert or update time-series rows, each a tuple of ``keys`` then ``fields`` values.

    PostgreSQL (psycopg 3): one ``INSERT … SELECT FROM unnest(arrays) ON CONFLICT DO
    UPDATE … WHERE the values differ`` per few thousand rows, the arrays sent in binary.
    Against ``bulk_create`` this is several times faster (benchmarks/ingest.py), and a
    row whose values did not change is not rewritten, so re-syncing today's curve every
    cycle leaves no dead rows behind. Other databases (SQLite): ``bulk_create``.
    """
    if not rows:
        return
    if connection.vendor != "postgresql" or not _psycopg3():
        attnames = [model._meta.get_field(name).attname for name in (*keys, *fields)]
        model.objects.bulk_create([model(**dict(zip(attnames, row))) for row in rows], update_conflicts=True,
                                  unique_fields=list(keys), update_fields=list(fields), batch_size=500)
        return
    import psycopg
    from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

    # Identifiers come from the model's metadata (quoted); every value is a parameter.
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = [model._meta.get_field(name) for name in (*keys, *fields)]
    names = [qn(column.column) for column in columns]
    conflict, values = ", ".join(names[:len(keys)]), names[len(keys):]
    arrays = ", ".join(f"%b::{column.db_type(connection)}[]" for column in columns)
    assign = ", ".join(f"{name} = EXCLUDED.{name}" for name in values)
    old = ", ".join(f"{table}.{name}" for name in values)
    new = ", ".join(f"EXCLUDED.{name}" for name in values)
    sql = (f"INSERT INTO {table} ({', '.join(names)}) SELECT * FROM unnest({arrays}) "  # noqa: S608
           f"ON CONFLICT ({conflict}) DO UPDATE SET {assign} WHERE ({old}) IS DISTINCT FROM ({new})")
    connection.ensure_connection()
    # A server-binding cursor (Django's default binds on the client, which has no binary
    # parameters), wrapped like Django's own so query logging and counting still see it.
    wrapper = CursorDebugWrapper if connection.queries_logged else CursorWrapper
    with wrapper(psycopg.Cursor(connection.connection), connection) as cursor:
        for start in range(0, len(rows), UPSERT_CHUNK):
            cursor.execute(sql, [list(column) for column in zip(*rows[start:start + UPSERT_CHUNK])])


def upsert_samples(plant: Plant, points: dict[dt.datetime, dict]) -> int:
    rows = [(plant.pk, ts, *(_float(values.get(f)) for f in SAMPLE_FIELDS)) for ts, values in sorted(points.items())]
    upsert_rows(PowerSample, ("plant", "ts"), SAMPLE_FIELDS, rows)
    return len(rows)


def upsert_device_samples(device_points: dict[Device, dict[dt.datetime, dict]]) -> None:
    rows = [(device.pk, ts, _float(v.get("power_w")), _float(v.get("soc")))
            for device, points in device_points.items() for ts, v in sorted(points.items())]
    upsert_rows(DeviceSample, ("device", "ts"), ("power_w", "soc"), rows)


def energy_from_points(points: dict[dt.datetime, dict]) -> dict[str, float | None]:
    """Integrate 5-minute power (W) into kWh per flow."""
    pairs = {"pv_kwh": "pv_w", "load_kwh": "load_w", "import_kwh": "grid_import_w", "export_kwh": "grid_export_w",
             "charge_kwh": "battery_charge_w", "discharge_kwh": "battery_discharge_w"}
    hours = STEP.total_seconds() / 3600
    out: dict[str, float | None] = {}
    for energy_name, power_name in pairs.items():
        values = [row.get(power_name) for row in points.values() if row.get(power_name) is not None]
        out[energy_name] = finite(round(sum(values) * hours / 1000.0, 4)) if values else None
    return out


def upsert_day(plant: Plant, day: dt.date, points: dict[dt.datetime, dict], complete: bool) -> None:
    energy = energy_from_points(points)
    DailyEnergy.objects.bulk_create(
        [DailyEnergy(plant=plant, date=day, samples=len(points), complete=complete, **energy)],
        update_conflicts=True, unique_fields=["plant", "date"],
        update_fields=[*ENERGY_FIELDS, "samples", "complete", "updated_at"],
    )


def store_day(plant: Plant, day: dt.date, plant_points, device_points, complete: bool) -> None:
    with transaction.atomic():
        upsert_samples(plant, plant_points)
        upsert_device_samples(device_points)
        upsert_day(plant, day, plant_points, complete)
        plant.data_changed()


# --------------------------------------------------------------------------------------
# Discovery
# --------------------------------------------------------------------------------------


def discover(link: AccountLink) -> list[Plant]:
    """Plants and devices of the account: plant_list, then per plant the device list and settings."""
    account = link.account
    if not link.api.is_logged_in:
        link.login("first")
    user_id = account.growatt_user_id or getattr(link.api, "user_id", None)
    if not user_id:
        link.login("user-id")
        user_id = account.growatt_user_id
    listing = link.call("plant_list", user_id, retries=1)
    entries = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(entries, list):
        raise UnexpectedReply("plant_list reply has no list of plants")
    seen = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        growatt_id = text(entry.get("plantId"), 41)
        if not growatt_id or len(growatt_id) > 40:
            continue
        name = text(entry.get("plantName"), 200)
        plant, _ = Plant.objects.get_or_create(account=account, growatt_id=growatt_id,
                                               defaults={"name": name or growatt_id})
        update_plant_settings_from_reply(plant, link.call("get_plant_settings", growatt_id, retries=1))
        if name and not text(plant.settings_reply.get("plantName"), 200):
            plant.name = name
        plant.save()
        info = link.call("plant_info", growatt_id, retries=1)
        devices = info.get("deviceList") if isinstance(info, dict) else None
        update_devices(plant, devices if isinstance(devices, list) else [])
        seen.append(plant)
    account.discovered_at = timezone.now()
    GrowattAccount.objects.filter(pk=account.pk).update(discovered_at=account.discovered_at)
    return seen


def update_plant_settings_from_reply(plant: Plant, reply: dict) -> None:
    if not isinstance(reply, dict) or not reply:
        return
    if not any(key in reply for key in ("plantName", "id", "country", "timezone", "plant_lat")):
        # Not a plant's settings at all: keep what is known rather than blank it (or move the plant to UTC).
        raise UnexpectedReply("plant settings reply has none of a plant's fields")
    plant.settings_reply = storable(reply)
    plant.name = text(reply.get("plantName"), 200, plant.name)
    plant.country = text(reply.get("country"), 100)
    plant.city = text(reply.get("city"), 100)
    plant.latitude = to_float(reply.get("plant_lat"))
    plant.longitude = to_float(reply.get("plant_lng"))
    plant.nominal_power_w = to_float(reply.get("nominalPower"))
    plant.currency = text(reply.get("moneyUnitText") or reply.get("formulaMoneyUnitId"), 16)
    plant.money_per_kwh = to_float(reply.get("formulaMoneyStr") or reply.get("formulaMoney"))
    plant.co2_kg_per_kwh = to_float(reply.get("formulaCo2"))
    located = plant.country or to_float(reply.get("timezone")) is not None or plant.longitude is not None
    if located and not plant.timezone_from_user:
        zone = infer_timezone(
            country=plant.country, offset=to_float(reply.get("timezone")),
            longitude=plant.longitude, latitude=plant.latitude,
        )
        try:  # an offset like 99 makes "Etc/GMT-99", which no timezone database knows
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            zone = plant.timezone
        plant.timezone = zone


def update_devices(plant: Plant, device_list: Iterable[dict]) -> None:
    now = timezone.now()
    for entry in device_list:
        if not isinstance(entry, dict):
            continue
        serial = text(entry.get("deviceSn"), 41)
        if not serial or len(serial) > 40:
            continue
        growatt_type = text(entry.get("deviceType"), 20)
        lost = entry.get("lost")
        lost = lost if isinstance(lost, bool) else str(lost).lower() == "true"
        Device.objects.update_or_create(
            plant=plant, serial=serial,
            defaults={
                "alias": text(entry.get("deviceAilas") or entry.get("deviceAlias"), 200, serial),
                "growatt_type": growatt_type,
                "kind": KIND_BY_GROWATT_TYPE.get(growatt_type.lower(), Device.Kind.OTHER),
                "datalogger_serial": text(entry.get("datalogSn"), 40),
                "status": text(entry.get("deviceStatus"), 40),
                "lost": lost,
                "last_seen_at": None if lost else now,
            },
        )
    plant.data_changed()


# --------------------------------------------------------------------------------------
# The cycle
# --------------------------------------------------------------------------------------


class PlantSync:
    def __init__(self, link: AccountLink, plant: Plant, run: SyncRun):
        self.link = link
        self.plant = plant
        self.run = run
        self.devices = list(plant.devices.all())

    def budget_left(self) -> int:
        return settings.GROWATT_MAX_REQUESTS_PER_CYCLE - self.link.requests

    def live_and_today(self) -> None:
        plant, now = self.plant, timezone.now()
        today = plant.local_today()
        live_values: dict[str, float | None] = {}
        today_total = None
        total = None
        for device in self.devices:
            fetch = LIVE.get(device.kind)
            if fetch is None:
                continue
            try:
                live = fetch(self.link, plant, device)
            except DeviceNotFound:
                Device.objects.filter(pk=device.pk).update(status="unknown to Growatt", lost=True)
                plant.data_changed()
                continue
            for name, value in live.plant.items():
                if finite(value) is None:
                    continue
                live_values[name] = value if name == "live_soc" else finite((live_values.get(name) or 0.0) + value)
            for name, value in live.device.items():
                setattr(device, name, text(value, 40) if name == "status" else finite(value))
            device.detail = storable(live.detail) if isinstance(live.detail, dict) else {}
            device.detail_at = now
            device.last_seen_at = now
            device.lost = False
            device.save()
            if finite(live.total_kwh) is not None:
                total = finite((total or 0.0) + live.total_kwh)
        plant_points, device_points = fetch_day(self.link, plant, self.devices, today, today=True)
        self._keep_soc(plant_points, today, live_values.get("live_soc"))
        store_day(plant, today, plant_points, device_points, complete=False)
        if plant_points:
            latest = plant_points[max(plant_points)]
            # Plants without a live call (AC-coupled) take the newest curve point as live.
            fallback = {"live_pv_w": "pv_w", "live_load_w": "load_w", "live_grid_import_w": "grid_import_w",
                        "live_grid_export_w": "grid_export_w", "live_battery_charge_w": "battery_charge_w",
                        "live_battery_discharge_w": "battery_discharge_w", "live_soc": "soc"}
            for live_name, sample_name in fallback.items():
                if live_values.get(live_name) is None and latest.get(sample_name) is not None:
                    live_values[live_name] = latest[sample_name]
            today_total = energy_from_points(plant_points)["pv_kwh"]
        for name in ("live_pv_w", "live_load_w", "live_grid_import_w", "live_grid_export_w",
                     "live_battery_charge_w", "live_battery_discharge_w", "live_soc"):
            setattr(plant, name, live_values.get(name))
        plant.live_at = now
        plant.today_pv_kwh = today_total
        if total is not None:
            plant.total_pv_kwh = total
        plant.save()

    def _keep_soc(self, points: dict[dt.datetime, dict], day: dt.date, live_soc: float | None) -> None:
        """Most day charts carry no battery SOC: record the live SOC at the newest point and keep
        what earlier cycles recorded, so the upsert does not blank it."""
        if not points:
            return
        start, end = self.plant.day_bounds(day)
        known = dict(
            PowerSample.objects.filter(plant=self.plant, ts__gte=start, ts__lt=end, soc__isnull=False)
            .values_list("ts", "soc")
        )
        for ts, row in points.items():
            if row.get("soc") is None and ts in known:
                row["soc"] = known[ts]
        newest = points[max(points)]
        if newest.get("soc") is None and live_soc is not None:
            newest["soc"] = live_soc

    def missing_days(self) -> list[dt.date]:
        """Past plant-local days within the horizon that are absent or were never completed."""
        today = self.plant.local_today()
        horizon = settings.GROWATT_BACKFILL_DAYS
        wanted = [today - dt.timedelta(days=n) for n in range(1, horizon + 1)]
        done = set(
            DailyEnergy.objects.filter(plant=self.plant, date__gte=wanted[-1], date__lt=today, complete=True)
            .values_list("date", flat=True)
        ) if wanted else set()
        return [day for day in wanted if day not in done]

    def backfill(self, days: list[dt.date] | None = None, limit: int | None = None) -> int:
        days = self.missing_days() if days is None else days
        limit = settings.GROWATT_BACKFILL_DAYS_PER_CYCLE if limit is None else limit
        calls_per_day = max(1, self._calls_per_day())
        filled = 0
        for day in days[:limit]:
            if self.budget_left() < calls_per_day:
                break
            plant_points, device_points = fetch_day(self.link, self.plant, self.devices, day)
            store_day(self.plant, day, plant_points, device_points, complete=True)
            filled += 1
        return filled

    def _calls_per_day(self) -> int:
        mixes, dashboard, inverters = curve_plan(self.devices)
        return len(mixes) + int(dashboard) + len(inverters)


def unreadable(exc: BaseException, what: str, where: str) -> UnexpectedReply:
    """A reply-shape error as the reply error it is (the traceback goes to the log, not the page)."""
    log.warning("unreadable Growatt reply (%s, %s): %s", where, what, type(exc).__name__, exc_info=exc)
    return UnexpectedReply(f"{what} had an unexpected shape")


def _next_sync_after_failure(failures: int) -> dt.datetime:
    interval = settings.GROWATT_SYNC_INTERVAL_SECONDS
    delay = min(interval * 2 ** max(failures - 1, 0), 6 * 3600)
    return timezone.now() + dt.timedelta(seconds=delay * random.uniform(0.8, 1.2))


def sync_account(account_id: int, *, force: bool = False, backfill: bool = True) -> SyncRun | None:
    """Run one sync cycle for an account. Returns the SyncRun, or None if another worker holds it."""
    # The secrets are decrypted when the link needs them, inside the try below, so keys that cannot
    # open them make a recorded error rather than a task that fails on every dispatch.
    account = GrowattAccount.objects.filter(pk=account_id).defer("password", "session_data").first()
    if account is None:
        return None
    if not force and not account.enabled:
        return None
    token = account.acquire_lease()
    if token is None:
        log.info("account %s: sync already running elsewhere", account_id)
        return None
    # With the lease held no other sync of this account runs, so a run still marked "running"
    # belongs to a worker that died (SIGKILL, out of memory, a restart): say so, not "running" forever.
    SyncRun.objects.filter(account=account, outcome="running").update(
        outcome="interrupted", finished_at=timezone.now(),
        message="The worker stopped during this sync; the next sync fetched everything again.")
    run = SyncRun.objects.create(account=account)
    link = None
    now = timezone.now()
    try:
        link = AccountLink(account)
        if account.is_locked:
            raise StillLocked(account.locked_until)
        if account.state == GrowattAccount.State.BAD_CREDENTIALS:
            raise CredentialsRefused("Fix the Growatt credentials to resume syncing.")
        discovery_due = (
            account.discovered_at is None
            or not account.plants.exists()
            or now - account.discovered_at > dt.timedelta(seconds=settings.GROWATT_DISCOVERY_INTERVAL_SECONDS)
        )
        if discovery_due:
            try:
                discover(link)
            except REPLY_SHAPE_ERRORS as exc:
                raise unreadable(exc, "the plant list", f"account {account.pk}") from exc
        errors: list[str] = []
        plants = list(account.plants.all())
        for plant in plants:
            plant_sync = PlantSync(link, plant, run)
            try:
                plant_sync.live_and_today()
            except GrowattError as exc:
                if not exc.retryable or isinstance(exc, AccountLocked | BadCredentials):
                    raise
                errors.append(f"{plant.name}: {exc}")
            except REPLY_SHAPE_ERRORS as exc:
                errors.append(f"{plant.name}: {unreadable(exc, 'the reply', plant.name)}")
        if backfill:
            for plant in plants:
                plant_sync = PlantSync(link, plant, run)
                try:
                    run.days_backfilled += plant_sync.backfill()
                except GrowattError as exc:
                    if not exc.retryable or isinstance(exc, AccountLocked | BadCredentials):
                        raise
                    errors.append(f"{plant.name} (history): {exc}")
                except REPLY_SHAPE_ERRORS as exc:
                    errors.append(f"{plant.name} (history): {unreadable(exc, 'the reply', plant.name)}")
        if errors and len(errors) >= max(len(plants), 1):
            raise GrowattError("; ".join(errors))
        run.outcome = "ok" if not errors else "partial"
        run.message = "; ".join(errors)
        GrowattAccount.objects.filter(pk=account.pk).update(
            state=GrowattAccount.State.OK, last_sync_at=now, last_success_at=timezone.now(),
            consecutive_failures=0, locked_until=None,
            next_sync_at=now + dt.timedelta(seconds=settings.GROWATT_SYNC_INTERVAL_SECONDS),
            **({"last_error": run.message, "last_error_at": now} if errors else {"last_error": ""}),
        )
    except StillLocked as exc:
        run.outcome, run.message = "locked", str(exc)
        GrowattAccount.objects.filter(pk=account.pk).update(
            state=GrowattAccount.State.LOCKED, next_sync_at=exc.locked_until, last_sync_at=now)
    except AccountLocked as exc:
        run.outcome, run.message = "locked", str(exc)
        GrowattAccount.objects.filter(pk=account.pk).update(last_sync_at=now)
    except (BadCredentials, CredentialsRefused) as exc:
        run.outcome, run.message = "bad_credentials", str(exc)
        GrowattAccount.objects.filter(pk=account.pk).update(
            state=GrowattAccount.State.BAD_CREDENTIALS, last_sync_at=now, last_error=explain_growatt_error(exc),
            last_error_at=now)
    except LoginCapReached as exc:
        run.outcome, run.message = "login_cap", str(exc)
        GrowattAccount.objects.filter(pk=account.pk).update(
            state=GrowattAccount.State.LOGIN_CAP, next_sync_at=exc.retry_at, last_sync_at=now,
            last_error=str(exc), last_error_at=now)
    except GrowattError as exc:
        failures = account.consecutive_failures + 1
        run.outcome, run.message = "error", str(exc)[:2000]
        GrowattAccount.objects.filter(pk=account.pk).update(
            state=GrowattAccount.State.ERROR, consecutive_failures=failures, last_sync_at=now,
            last_error=f"{explain_growatt_error(exc)} ({str(exc)[:1500]})", last_error_at=now,
            next_sync_at=_next_sync_after_failure(failures))
    except EncryptionKeyError as exc:
        failures = account.consecutive_failures + 1
        run.outcome, run.message = "error", str(exc)
        GrowattAccount.objects.filter(pk=account.pk).update(
            state=GrowattAccount.State.ERROR, consecutive_failures=failures, last_sync_at=now,
            last_error=explain_growatt_error(exc), last_error_at=now, next_sync_at=_next_sync_after_failure(failures))
    except (OperationalError, InterfaceError):
        raise  # the database itself is gone: the task's retry policy handles that
    except Exception as exc:
        # Anything else is a bug meeting an unforeseen reply: record it and back off, so the
        # account is not retried every minute by the dispatcher (a crash loop) and the page says so.
        log.exception("account %s: sync failed unexpectedly", account.pk)
        failures = account.consecutive_failures + 1
        run.outcome, run.message = "error", f"{type(exc).__name__} (see the worker log)"
        GrowattAccount.objects.filter(pk=account.pk).update(
            state=GrowattAccount.State.ERROR, consecutive_failures=failures, last_sync_at=now,
            last_error=f"The last sync failed unexpectedly ({type(exc).__name__}); growattweb will try again "
                       "later. If this keeps happening, the worker log has the details.",
            last_error_at=now, next_sync_at=_next_sync_after_failure(failures))
    finally:
        try:
            if link is not None:
                link.save_session_if_changed()
        finally:
            run.requests = link.requests if link is not None else 0
            run.logins = link.logins if link is not None else 0
            run.finished_at = timezone.now()
            run.save()
            account.release_lease(token)
    return run


def backfill_plant(plant: Plant, days: int) -> int:
    """Fetch the last ``days`` plant-local days again (the ``backfill`` command)."""
    account = plant.account
    token = account.acquire_lease()
    if token is None:
        raise RuntimeError("A sync of this account is running; try again in a minute.")
    run = SyncRun.objects.create(account=account)
    link = AccountLink(account)
    try:
        plant_sync = PlantSync(link, plant, run)
        today = plant.local_today()
        wanted = [today - dt.timedelta(days=n) for n in range(1, days + 1)]
        filled = plant_sync.backfill(wanted, limit=len(wanted))
        run.days_backfilled = filled
        run.outcome = "ok"
        return filled
    finally:
        link.save_session_if_changed()
        run.requests, run.logins, run.finished_at = link.requests, link.logins, timezone.now()
        run.save()
        account.release_lease(token)
