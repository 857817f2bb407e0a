"""Reply bodies in the shapes the real server sends (PROTOCOL.md §2).

Every builder takes the request context and returns a JSON-able object.
Values follow the server's habits: numeric strings in most places, units
inside strings where it puts them there ("9.3 kWh", "20.5kWh", "11.3%"),
floats with float32 artefacts in ``invPacData``, and its typos.
"""

from __future__ import annotations

import calendar
import struct
from datetime import date, datetime

from .physics import LABELS, Snapshot

# ---------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------


def s1(x: float) -> str:
    """One decimal, "0" for nothing: "9.3", "2562.4", "0"."""
    if abs(x) < 0.05:
        return "0"
    return f"{x:.1f}"


def s2(x: float) -> str:
    """Two decimals, trailing zeros dropped: "0.93", "2.4", "0"."""
    if abs(x) < 0.005:
        return "0"
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return text


def f32(x: float) -> float:
    """A value as the server's float32 columns give it back (623.2000122070312)."""
    return struct.unpack("f", struct.pack("f", round(x, 1)))[0]


def r1(x: float) -> float:
    return round(x, 1)


def energy_text(kwh: float, sep: str = " ") -> str:
    if kwh >= 1_000_000:
        return f"{kwh / 1_000_000:.2f}{sep}GWh"
    if kwh >= 1000:
        return f"{kwh / 1000:.2f}{sep}MWh"
    return f"{s1(kwh)}{sep}kWh"


def power_text(watts: float) -> str:
    if watts >= 1_000_000:
        return f"{watts / 1_000_000:.2f} MW"
    if watts >= 1000:
        return f"{watts / 1000:.2f} kW"
    return f"{watts:.0f} W"


def co2_text(kg: float) -> str:
    if kg >= 1_000_000:
        return f"{kg / 1_000_000:.2f} KT"
    if kg >= 1000:
        return f"{kg / 1000:.2f} T"
    return f"{kg:.1f} kg"


def pct(part: float, whole: float) -> float:
    return 0.0 if whole <= 1e-9 else max(0.0, min(100.0, 100.0 * part / whole))


def date_text(ts_local: datetime) -> str:
    return ts_local.strftime("%Y-%m-%d %H:%M:%S")


def java_date(dt: datetime, offset_hours: int) -> dict:
    """A serialised java.util.Date as getPlant's createDate shows it."""
    return {
        "year": dt.year - 1900, "month": dt.month - 1, "date": dt.day, "day": (dt.weekday() + 1) % 7,
        "hours": dt.hour, "minutes": dt.minute, "seconds": dt.second,
        "time": int(dt.timestamp() * 1000) if dt.tzinfo else int(
            calendar.timegm(dt.timetuple()) * 1000 - offset_hours * 3600 * 1000),
        "timezoneOffset": -offset_hours * 60,
    }


# ---------------------------------------------------------------------------
# Request date parsing
# ---------------------------------------------------------------------------


def parse_day(text: str | None, fallback: date) -> date:
    if not text:
        return fallback
    text = text.strip()
    try:
        if len(text) >= 10:
            return date.fromisoformat(text[:10])
        if len(text) == 7:
            return date(int(text[:4]), int(text[5:7]), 1)
        if len(text) == 4:
            return date(int(text), 1, 1)
    except ValueError:
        pass
    return fallback


def int_param(params: dict, name: str, default: int) -> int:
    try:
        return int(str(params.get(name, default)).strip())
    except ValueError:
        return default


# ---------------------------------------------------------------------------
# Device views
# ---------------------------------------------------------------------------


class DeviceView:
    """One device's numbers at the current sample."""

    def __init__(self, snap: Snapshot, device):
        self.snap = snap
        self.device = device
        self.plant = snap.plant
        sn = device.sn
        has_pv = device.pv_kwp > 0
        self.ppv = snap.power("pv", sn) if has_pv else 0.0  # kW
        self.pv_today = snap.today.get("pv:" + sn, 0.0) if has_pv else 0.0
        self.pv_total = snap.life.get("pv:" + sn, 0.0) if has_pv else 0.0
        self.load = snap.power("load")
        self.imp = snap.power("imp")
        self.exp = snap.power("exp")
        battery = device.has_battery
        self.charge = snap.power("charge") if battery else 0.0
        self.discharge = snap.power("discharge") if battery else 0.0
        self.grid_charge = snap.power("grid_charge") if battery else 0.0
        self.soc = snap.soc if battery else 0.0
        # Two strings share the array 55/45.
        self.ppv1 = self.ppv * 0.55
        self.ppv2 = self.ppv - self.ppv1
        sun = min(1.0, self.ppv / max(device.pv_kwp, 0.1)) if has_pv else 0.0
        self.vpv1 = 0.0 if self.ppv <= 0 else 280.0 + 60.0 * sun
        self.vpv2 = 0.0 if self.ppv <= 0 else 265.0 + 55.0 * sun
        self.ipv1 = 0.0 if self.vpv1 == 0 else self.ppv1 * 1000 / self.vpv1
        self.ipv2 = 0.0 if self.vpv2 == 0 else self.ppv2 * 1000 / self.vpv2
        self.pac = self.ppv  # kW at the AC side (losses live in the PV model)
        self.vac = 229.0 + 4.0 * ((snap.idx * 7919) % 100) / 100.0
        self.fac = 49.97 + 0.06 * ((snap.idx * 104729) % 100) / 100.0
        self.vbat = (48.0 + 0.08 * self.soc) if battery else 0.0
        self.temperature = 22.0 + 18.0 * sun + (3.0 if self.charge or self.discharge else 0.0)
        self.time = date_text(snap.sample_local)

    @property
    def status(self) -> int:
        """Growatt status codes: 0 waiting, 1 normal (inverter); 5/6 normal (mix family)."""
        kind = self.device.kind
        if kind == "inverter":
            return 1 if self.ppv > 0 else 0
        if kind in ("mix", "spa"):
            return 5 if self.ppv <= 0 else 6
        return 1


def period_money(plant, kwh: float) -> float:
    return kwh * plant.income_per_kwh


# ---------------------------------------------------------------------------
# Login
# ---------------------------------------------------------------------------


def login_ok(app, account, previous_login: str) -> dict:
    plants = app.world.account_plants(account.username)
    return {"back": {
        "data": [{"plantName": p.display_name, "plantId": p.id} for p in plants],
        "service": "1",
        "quality": "0",
        "isOpenSmartFamily": 0,
        "totalData": {},
        "success": True,
        "msg": "",
        "app_code": "",
        "deviceCount": str(sum(len(p.devices) for p in plants)),
        "isOpenDeviceList": 1,
        "isOpenDeviceParams": 0,
        "isCheckUserAuth": False,
        "isViewDeviceInfo": False,
        "isEicUserAddSmartDevice": False,
        "user": {
            "uid": "",
            "userLanguage": "en",
            "inverterGroup": [],
            "timeZone": account.timezone,
            "lng": "",
            "lat": "",
            "dataAcqList": [],
            "type": 0,
            "password": account.password_hash,
            "isValiPhone": 0,
            "isValiEmail": 0,
            "kind": 0,
            "mailNotice": True,
            "smsNotice": False,
            "id": account.user_id,
            "lastLoginIp": "203.0.113.7",
            "lastLoginTime": previous_login,
            "phoneNum": "",
            "approved": False,
            "area": account.area,
            "isAgent": 0,
            "token": "",
            "cpowerToken": "",
            "nickName": "",
            "parentUserId": 0,
            "customerCode": "",
            "counrty": account.country,
            "isPhoneNumReg": 0,
            "createDate": account.create_date,
            "rightlevel": 1,
            "appType": "c",
            "serverUrl": "server-api.growatt.com",
            "roleId": 0,
            "enabled": True,
            "agentCode": "",
            "inverterList": [],
            "accountName": account.username,
            "email": account.email,
            "company": "",
            "activeName": "",
            "codeIndex": 1,
            "appAlias": "",
            "isBigCustomer": 0,
            "noticeType": "",
            "userDeviceType": -1,
            "userIconPath": "",
            "registerType": "",
            "installerEnable": "",
            "distributorEnable": "",
            "wxOpenid": "",
            "vipPoints": 0,
            "accountNameOss": False,
        },
    }}


def login_failed(msg: str = "502") -> dict:
    return {"back": {"success": False, "msg": msg, "error": "User Does Not Exist Or Wrong Password"}}


def login_locked(hours: int = 24) -> dict:
    return {"back": {
        "success": False, "msg": "507",
        "error": f"Current account has been locked for {hours} hours",
        "lockDuration": str(hours),
    }}


# ---------------------------------------------------------------------------
# Plants
# ---------------------------------------------------------------------------


def _plant_storage_fields(snap: Snapshot) -> dict:
    battery = snap.plant.battery
    if battery is None:
        return {}
    return {
        "storagePDisCharge": s1(snap.power("discharge") * 1000),
        "storagePCharge": s1(snap.power("charge") * 1000),
        "storageCapacity": f"{snap.soc:.0f}%",
        "storageStatus": "1",
    }


def plant_list(app, account, snaps: dict[str, Snapshot]) -> dict:
    data = []
    today_sum = total_sum = money_sum = 0.0
    any_storage = False
    storage_totals = {"storagePDisCharge": 0.0, "storagePCharge": 0.0, "storagePacToUser": 0.0}
    for plant in app.world.account_plants(account.username):
        snap = snaps[plant.id]
        has_storage = plant.battery is not None
        any_storage = any_storage or has_storage
        money = period_money(plant, snap.life["pv"])
        today_sum += snap.today["pv"]
        total_sum += snap.life["pv"]
        money_sum += money
        item = {
            "isHaveStorage": "true" if has_storage else "false",
            "currentPower": "0 W",  # the real server never fills this in (PyPi #26)
            "totalEnergy": energy_text(snap.life["pv"]),
            "plantMoneyText": f"{money:.1f} ",
            "plantId": plant.id,
            "todayEnergy": energy_text(snap.today["pv"]),
            "plantName": plant.display_name,
        }
        if has_storage:
            item.update(_plant_storage_fields(snap))
            storage_totals["storagePDisCharge"] += snap.power("discharge") * 1000
            storage_totals["storagePCharge"] += snap.power("charge") * 1000
            storage_totals["storagePacToUser"] += snap.power("imp") * 1000
        data.append(item)
    total = {
        "CO2Sum": co2_text(total_sum * 0.4),
        "currentPowerSum": "0 W",
        "isHaveStorage": "true" if any_storage else "false",
        "todayEnergySum": energy_text(today_sum),
        "eTotalMoneyText": f"{money_sum:.1f} ",
        "totalEnergySum": energy_text(total_sum),
    }
    if any_storage:
        total.update({k: s1(v) for k, v in storage_totals.items()})
        total["storageCapacity"] = "0"
    return {"back": {"totalData": total, "data": data, "success": True}}


def plant_detail(app, plant, params: dict, now_local: datetime) -> dict:
    physics = app.physics
    kind = int_param(params, "type", 1)
    day = parse_day(params.get("date"), now_local.date())
    data: dict = {}
    if kind in (0, 1):
        curve, upto = physics.day_upto(plant, day, now_local)
        if curve is not None:
            for k in range(upto + 1):
                data[LABELS[k]] = s1(curve.pv[k] * 1000)
        energy = physics.totals_for_day(plant, day, now_local)["pv"]
    elif kind == 2:
        month = physics.month_totals(plant, day.year, day.month, now_local)
        data = {f"{d:02d}": s1(t["pv"]) for d, t in month.items()}
        energy = sum(t["pv"] for t in month.values())
    elif kind == 3:
        year = physics.year_totals(plant, day.year, now_local)
        data = {f"{m:02d}": s1(t["pv"]) for m, t in year.items()}
        energy = sum(t["pv"] for t in year.values())
    else:
        this_year = now_local.year
        energy = 0.0
        for y in range(this_year - 5, this_year + 1):
            value = 0.0
            if y >= plant.create_date.year:
                value = sum(t["pv"] for t in physics.year_totals(plant, y, now_local).values())
            data[str(y)] = s1(value)
            energy += value
    return {"back": {
        "plantData": {
            "plantMoneyText": f"{period_money(plant, energy):.1f} ",
            "plantId": plant.id,
            "currentEnergy": energy_text(energy),
            "plantName": plant.display_name,
        },
        "data": data,
        "success": True,
    }}


def _device_list_item(snap: Snapshot, device) -> dict:
    view = DeviceView(snap, device)
    battery = device.has_battery
    return {
        "deviceType": device.kind,
        "deviceSn": device.sn,
        "deviceAilas": device.alias,
        "datalogSn": device.datalog_sn,
        "deviceStatus": view.status,
        "lost": False,
        "location": "",
        "power": s1(view.pac * 1000),
        "eToday": s1(view.pv_today),
        "energy": s1(view.pv_total),
        "activePower": 0,
        "apparentPower": 0,
        "capacity": f"{view.soc:.0f}%" if battery else "",
        "pCharge": s1(view.charge * 1000),
        "eChargeToday": s1(snap.today["charge"]) if battery else "0",
        "storageType": "3" if device.kind == "storage" else "",
    }


def plant_info(app, plant, snap: Snapshot) -> dict:
    pv_today, pv_total = snap.today["pv"], snap.life["pv"]
    battery = plant.battery
    return {
        "isHaveOptimizer": 0,
        "totalEnergy": s1(pv_total),
        "nominal_Power": plant.nominal_power,
        "nominalPower": plant.nominal_power,
        "totalMoneyText": s1(period_money(plant, pv_total)),
        "optimizerType": 0,
        "storageTodayPpv": s1(snap.power("pv") * 1000) if battery else "0",
        "storagePuser": s1((snap.power("imp") - snap.power("exp")) * 1000) if battery else "0",
        "storagePgrid": s1(snap.power("exp") * 1000) if battery else "0",
        "Co2Reduction": s2(pv_total * 0.4),
        "useEnergy": s1(snap.today["load"]),
        "isHavePumper": "0",
        "ammeterType": "0",
        "invTodayPpv": s1(snap.power("pv") * 1000),
        "plantMoneyText": f"{s1(period_money(plant, pv_today))}/{plant.currency_symbol}",
        "todayEnergy": s1(pv_today),
        "todayDischarge": s1(snap.today["discharge"]),
        "deviceList": [_device_list_item(snap, d) for d in plant.devices],
    }


def plant_list_two(app, account, snaps) -> dict:
    plants = []
    for plant in app.world.account_plants(account.username):
        snap = snaps[plant.id]
        plants.append({
            "id": plant.id, "plantName": plant.display_name, "timezone": str(plant.setting("timezone")),
            "currentPac": s1(snap.power("pv") * 1000), "eToday": s1(snap.today["pv"]),
            "eTotal": s1(snap.life["pv"]), "nominalPower": str(plant.nominal_power), "status": "1",
            "plantImgName": "", "city": str(plant.setting("city")), "country": str(plant.setting("country")),
        })
    return {"PlantList": plants, "totalNum": len(plants), "success": True}


def get_plant(app, plant, snap: Snapshot) -> dict:
    settings = plant.setting
    pv_today, pv_total = snap.today["pv"], snap.life["pv"]
    pac = snap.power("pv") * 1000
    created = datetime(plant.create_date.year, plant.create_date.month, plant.create_date.day)
    tz = int(settings("timezone"))
    return {
        "id": int(plant.id),
        "plantName": settings("plantName"),
        "userAccount": plant.owner,
        "country": settings("country"),
        "city": settings("city"),
        "plantAddress": settings("plantAddress"),
        "plantType": int(settings("plantType")),
        "timezone": tz,
        "timezoneText": f"GMT{tz:+d}" if tz else "GMT+0",
        "plant_lat": str(settings("plant_lat")),
        "plant_lng": str(settings("plant_lng")),
        "lat": str(settings("plant_lat")),
        "lng": str(settings("plant_lng")),
        "nominalPower": int(settings("nominalPower")),
        "nominalPowerStr": f"{int(settings('nominalPower')) / 1000:.2f}kWp",
        "formulaCoal": settings("formulaCoal"),
        "formulaSo2": settings("formulaSo2"),
        "formulaCo2": settings("formulaCo2"),
        "formulaMoney": 0,
        "formulaMoneyStr": str(settings("formulaMoneyStr")),
        "formulaMoneyUnitId": settings("formulaMoneyUnitId"),
        "moneyUnitText": plant.currency_symbol,
        "createDateText": settings("createDateText"),
        "createDate": java_date(created, plant.timezone),
        "eToday": round(pv_today, 1),
        "eTotal": round(pv_total, 1),
        "currentPac": round(pac, 1),
        "currentPacStr": power_text(pac).replace(" ", ""),
        "etodayMoneyText": s1(period_money(plant, pv_today)),
        "etotalMoneyText": s1(period_money(plant, pv_total)),
        "etodayCo2Text": s1(pv_today * float(settings("formulaCo2"))),
        "etotalCo2Text": s1(pv_total * float(settings("formulaCo2"))),
        "formulaCo2Vlue": "0",
        "isShare": False,
        "defaultPlant": plant.id == app.world.accounts[plant.owner].plant_ids[0],
        "hasStorage": 1 if plant.battery else 0,
        "deviceCount": len(plant.devices),
        "unitMap": dict(_UNIT_MAP),
        "peakPeriodPrice": 1.3,
        "valleyPeriodPrice": 1.0,
        "flatPeriodPrice": 1.1,
        "fixedPowerPrice": 1.2,
        "alias": "",
        "treeName": settings("plantName"),
        "imgPath": "",
        "plantImgName": "",
        "plantFromBean": None,
        "dataLogList": [],
        "windAngle": 0.0,
        "windSpeed": 0.0,
        "level": 1,
        "locationImgName": "",
        "emonthMoneyText": "0",
        "onLineStatus": 1,
    }


_UNIT_MAP = {"GBP": "gbp", "EUR": "eur", "USD": "usd", "Euro": "euro", "DOLLAR": "dollar", "RMB": "rmb"}


# ---------------------------------------------------------------------------
# Inverter and TLX
# ---------------------------------------------------------------------------


def inv_pac_data(app, device, params: dict, now_local: datetime) -> tuple[dict, float]:
    plant = app.world.plants[device.plant_id]
    day = parse_day(params.get("date"), now_local.date())
    curve, upto = app.physics.day_upto(plant, day, now_local)
    series = {}
    energy = 0.0
    if curve is not None:
        values = curve.pv_dev.get(device.sn, ())
        prefix = day.isoformat()
        for k in range(upto + 1):
            watts = values[k] * 1000 if values else 0.0
            energy += values[k] * 5 / 60 if values else 0.0
            if watts > 0.05:
                series[f"{prefix} {LABELS[k]}"] = f32(watts)
    return series, energy


def inverter_data(app, device, snap: Snapshot, params: dict) -> dict:
    series, energy = inv_pac_data(app, device, params, snap.local_now)
    view = DeviceView(snap, device)
    return {
        "success": True,
        "eToday": s1(energy),
        "eTotal": s1(view.pv_total),
        "power": s1(view.pac * 1000),
        "nominalPower": str(device.nominal_w),
        "invPacData": series,
    }


def inverter_detail(view: DeviceView) -> dict:
    flat = {
        "powerToday": r1(view.pv_today), "powerTotal": r1(view.pv_total),
        "eacToday": r1(view.pv_today), "eacTotal": r1(view.pv_total),
        "vpv1": r1(view.vpv1), "ipv1": r1(view.ipv1), "ppv1": r1(view.ppv1 * 1000),
        "vpv2": r1(view.vpv2), "ipv2": r1(view.ipv2), "ppv2": r1(view.ppv2 * 1000),
        "vpv3": 0.0, "ipv3": 0.0, "ppv3": 0.0,
        "ppv": r1(view.ppv * 1000), "pac": r1(view.pac * 1000 * 0.98), "pacr": r1(view.pac * 1000 * 0.98),
        "vacr": r1(view.vac), "iacr": r1(view.pac * 1000 / view.vac), "fac": round(view.fac, 2),
        "temperature": r1(view.temperature), "ipmTemperature": r1(view.temperature - 2.0),
        "status": view.status, "inverterId": view.device.sn, "time": view.time,
    }
    return {**flat, "data": dict(flat), "success": True}


def inverter_detail_two(view: DeviceView) -> dict:
    body = inverter_detail(view)
    body.pop("data")
    body.pop("success")
    return {"data": body, "success": True}


def tlx_detail(view: DeviceView) -> dict:
    snap = view.snap
    today, life = snap.today, snap.life
    pv_today, pv_total = view.pv_today, view.pv_total
    self_today = max(0.0, pv_today - today["exp"])
    self_total = max(0.0, pv_total - life["exp"])
    return {"data": {
        "eacToday": r1(pv_today), "eacTotal": r1(pv_total),
        "epv1Today": r1(pv_today * 0.55), "epv1Total": r1(pv_total * 0.55),
        "epv2Today": r1(pv_today * 0.45), "epv2Total": r1(pv_total * 0.45),
        "epv3Today": 0, "epv3Total": 0, "epv4Today": 0, "epv4Total": 0,
        "vpv1": r1(view.vpv1), "ipv1": r1(view.ipv1), "ppv1": r1(view.ppv1 * 1000),
        "vpv2": r1(view.vpv2), "ipv2": r1(view.ipv2), "ppv2": r1(view.ppv2 * 1000),
        "vpv3": 0, "ipv3": 0, "ppv3": 0, "vpv4": 0, "ipv4": 0, "ppv4": 0,
        "ppv": r1(view.ppv * 1000), "pac": r1(view.pac * 1000), "vacrs": r1(view.vac), "fac": round(view.fac, 2),
        "temp1": r1(view.temperature), "temp2": r1(view.temperature - 2), "temp3": r1(view.temperature - 3),
        "temp4": 0, "temp5": r1(view.temperature + 3),
        "echargeToday": r1(today["charge"]), "echargeTotal": r1(life["charge"]),
        "edischargeToday": r1(today["discharge"]), "edischargeTotal": r1(life["discharge"]),
        "eacChargeToday": r1(today["grid_charge"]), "eacChargeTotal": r1(life["grid_charge"]),
        "bdc1ChargePower": r1(view.charge * 1000), "bdc1ChargeTotal": r1(life["charge"]),
        "bdc1DischargePower": r1(view.discharge * 1000), "bdc1DischargeTotal": r1(life["discharge"]),
        "bdc2ChargePower": 0, "bdc2ChargeTotal": 0, "bdc2DischargePower": 0, "bdc2DischargeTotal": 0,
        "bmsSoc": round(view.soc), "bdc1Soc": round(view.soc),
        "etoGridToday": r1(today["exp"]), "etoGridTotal": r1(life["exp"]),
        "etoUserToday": r1(today["imp"]), "etoUserTotal": r1(life["imp"]),
        "elocalLoadToday": r1(today["load"]), "elocalLoadTotal": r1(life["load"]),
        "esystemToday": r1(pv_today), "esystemTotal": r1(pv_total),
        "eselfToday": r1(self_today), "eselfTotal": r1(self_total),
        "pacToLocalLoad": r1(view.load * 1000), "pacToUserTotal": r1(view.imp * 1000),
        "pacToGridTotal": r1(view.exp * 1000),
        "psystem": r1(view.pac * 1000), "pself": r1(min(view.load, view.pac) * 1000),
        "status": view.status, "time": view.time,
    }, "success": True}


# ---------------------------------------------------------------------------
# MIX (and SPA, which shares the bean family)
# ---------------------------------------------------------------------------


def obj(payload, msg: str = "") -> dict:
    return {"result": 1, "msg": msg, "obj": payload}


def mix_info(view: DeviceView) -> dict:
    today, life = view.snap.today, view.snap.life
    return obj({
        "acChargeEnergyToday": s1(today["grid_charge"]),
        "acChargeEnergyTotal": s1(life["grid_charge"]),
        "acChargePower": s1(view.grid_charge * 1000),
        "capacity": f"{view.soc:.0f}",
        "soc": f"{view.soc:.0f}%",
        "eBatChargeToday": s1(today["charge"]),
        "eBatChargeTotal": s1(life["charge"]),
        "eBatDisChargeToday": s1(today["discharge"]),
        "eBatDisChargeTotal": s1(life["discharge"]),
        "epvToday": s1(view.pv_today),
        "epvTotal": s1(view.pv_total),
        "isCharge": "1" if view.charge > 0 else "0",
        "pCharge1": s1(view.charge * 1000),
        "pDischarge1": s1(view.discharge * 1000),
        "upsPac1": "0", "upsPac2": "0", "upsPac3": "0",
        "vbat": s1(view.vbat),
        "vbatdsp": s1(view.vbat),
        "vpv1": s1(view.vpv1),
        "vpv2": s1(view.vpv2),
    })


def mix_totals(view: DeviceView) -> dict:
    today, life = view.snap.today, view.snap.life
    plant = view.plant
    return obj({
        "echargetoday": s1(today["charge"]), "echargetotal": s1(life["charge"]),
        "edischarge1Today": s1(today["discharge"]), "edischarge1Total": s1(life["discharge"]),
        "elocalLoadToday": s1(today["load"]), "elocalLoadTotal": s1(life["load"]),
        "epvToday": s1(view.pv_today), "epvTotal": s1(view.pv_total),
        "etoGridToday": s1(today["exp"]), "etogridTotal": s1(life["exp"]),
        "photovoltaicRevenueToday": s1(period_money(plant, view.pv_today)),
        "photovoltaicRevenueTotal": s1(period_money(plant, view.pv_total)),
        "unit": plant.currency_unit,
    })


def mix_system_status(view: DeviceView, bean: dict) -> dict:
    return obj({
        "SOC": f"{view.soc:.0f}",
        "chargePower": s2(view.charge),
        "pdisCharge1": s2(view.discharge),
        "fAc": f"{view.fac:.2f}".rstrip("0").rstrip("."),
        "lost": f"{view.device.kind}.status.normal",
        "pLocalLoad": s2(view.load),
        "pPv1": s1(view.ppv1 * 1000),
        "pPv2": s1(view.ppv2 * 1000),
        "ppv": s2(view.ppv),
        "pactogrid": s2(view.exp),
        "pactouser": s2(view.imp),
        "pmax": f"{view.device.nominal_w / 1000:g}",
        "priorityChoose": bean.get("priorityChoose", "0"),
        "status": str(view.status),
        "unit": "kW",
        "upsFac": "0",
        "upsVac1": "0",
        "uwSysWorkMode": "6" if view.ppv > 0 else "5",
        "vAc1": s1(view.vac),
        "vac1": s1(view.vac),
        "vBat": s1(view.vbat),
        "vPv1": s1(view.vpv1),
        "vPv2": s1(view.vpv2),
        "wBatteryType": "1",
    })


def tlx_system_status(view: DeviceView) -> dict:
    return obj({
        "SOC": f"{view.soc:.0f}", "SOC1": f"{view.soc:.0f}", "SOC2": "0",
        "chargePower": s2(view.charge), "chargePower1": s2(view.charge), "chargePower2": "0",
        "pdisCharge": s2(view.discharge), "pdisCharge1": s2(view.discharge),
        "fAc": f"{view.fac:.2f}".rstrip("0").rstrip("."), "lost": "tlx.status.normal",
        "pLocalLoad": s2(view.load), "ppv": s2(view.ppv),
        "pPv1": s1(view.ppv1 * 1000), "pPv2": s1(view.ppv2 * 1000), "pPv3": "0", "pPv4": "0",
        "vPv1": s1(view.vpv1), "vPv2": s1(view.vpv2), "vPv3": "0", "vPv4": "0",
        "pactogrid": s2(view.exp), "pactouser": s2(view.imp), "ptoStatus": "0",
        "bdcStatus": "1", "operatingMode": "0", "status": str(view.status), "unit": "kW",
        "vAc1": s1(view.vac), "vac1": s1(view.vac), "vBat": s1(view.vbat), "upsVac1": "0",
    })


def tlx_energy_overview(view: DeviceView) -> dict:
    today, life = view.snap.today, view.snap.life
    return obj({
        "epvToday": s1(view.pv_today), "epvTotal": s1(view.pv_total),
        "elocalLoadToday": s1(today["load"]), "elocalLoadTotal": s1(life["load"]),
        "etoGridToday": s1(today["exp"]), "etogridTotal": s1(life["exp"]),
        "etouserToday": s1(today["imp"]), "etouserTotal": s1(life["imp"]),
        "echargeToday": s1(today["charge"]), "echargeTotal": s1(life["charge"]),
        "edischargeToday": s1(today["discharge"]), "edischargeTotal": s1(life["discharge"]),
        "unit": view.plant.currency_unit,
    })


def _energy_split(t: dict) -> dict:
    """The self-consumption arithmetic mix_detail and dashboard_data share."""
    pv, load, exp_ = t["pv"], t["load"], t["exp"]
    pv_load, bat_load, grid_load = t["pv_to_load"], t["bat_to_load"], t["grid_to_load"]
    self_use = pv_load + bat_load
    return {
        "pv": pv, "load": load, "exp": exp_, "imp": t["imp"], "pv_load": pv_load, "bat_load": bat_load,
        "self_use": self_use, "self_pv": max(0.0, pv - exp_),
        "ratio1": pct(max(0.0, pv - exp_), pv), "ratio2": pct(exp_, pv),
        "ratio3": pct(load - grid_load, load), "ratio4": pct(grid_load, load),
        "ratio5": pct(pv_load, self_use), "ratio6": pct(bat_load, self_use),
    }


def _period(app, plant, params: dict, now_local: datetime):
    """(timespan, day, chart points, totals) for a type/date pair of the mix/dashboard family."""
    kind = int_param(params, "type", 0)
    day = parse_day(params.get("date"), now_local.date())
    physics = app.physics
    if kind == 1:
        month = physics.month_totals(plant, day.year, day.month, now_local)
        totals = _sum_totals(month.values())
        return kind, day, [(f"{d:02d}", t, 1.0) for d, t in month.items()], totals
    if kind == 2:
        year = physics.year_totals(plant, day.year, now_local)
        totals = _sum_totals(year.values())
        return kind, day, [(f"{m:02d}", t, 1.0) for m, t in year.items()], totals
    curve, upto = physics.day_upto(plant, day, now_local)
    points = []
    if curve is None:
        totals = physics.totals_for_day(plant, day, now_local)
    else:
        totals = curve.sums(upto)
        for k in range(upto + 1):
            points.append((LABELS[k], {
                "pv": curve.pv[k], "load": curve.load[k], "exp": curve.exp[k], "imp": curve.imp[k],
                "discharge": curve.discharge[k], "charge": curve.charge[k],
                **{"pv:" + sn: series[k] for sn, series in curve.pv_dev.items()},
            }, 0.0))
    return kind, day, points, totals


def _sum_totals(items) -> dict:
    out: dict = {}
    for t in items:
        for q, v in t.items():
            if q != "soc_end":
                out[q] = out.get(q, 0.0) + v
    for q in ("pv", "load", "exp", "imp", "pv_to_load", "bat_to_load", "grid_to_load", "charge", "discharge"):
        out.setdefault(q, 0.0)
    return out


def mix_detail(app, view: DeviceView, params: dict) -> dict:
    plant = view.plant
    # Production and consumption of the whole system (an SPA sees the PV inverter through its meter),
    # so the chart and the totals of this reply always agree.
    kind, _day, points, totals = _period(app, plant, params, view.snap.local_now)
    chart = {}
    for key, p, energy in points:
        fmt = s2 if not energy else s1
        chart[key] = {
            "pacToGrid": fmt(p["exp"]),
            "pacToUser": fmt(p["imp"]),
            "pdischarge": fmt(p["discharge"]),
            "ppv": fmt(p["pv"]),
            "sysOut": fmt(p["load"]),
        }
    split = _energy_split(totals)
    life = view.snap.life
    return obj({
        "chartData": chart,
        "eAcCharge": s1(split["exp"]),
        "eCharge": s1(split["pv"]),
        "eChargeToday": s1(split["pv_load"]),
        "eChargeToday1": s1(split["self_pv"]),
        "eChargeToday2": s1(split["self_use"]),
        "echarge1": s1(split["bat_load"]),
        "echargeToat": s1(life["discharge"]),
        "elocalLoad": s1(split["load"]),
        "etouser": s1(split["imp"]),
        "photovoltaic": s1(split["pv_load"]),
        **{f"ratio{i}": s1(split[f"ratio{i}"]) for i in range(1, 7)},
        "unit": "kWh",
        "unit2": "kW" if kind == 0 else "kWh",
    })


def dashboard_data(app, plant, snap: Snapshot, params: dict) -> dict:
    kind, _day, points, totals = _period(app, plant, params, snap.local_now)
    chart = {}
    for key, p, energy in points:
        fmt = s2 if not energy else s1
        chart[key] = {
            "pacToUser": fmt(p["discharge"]),  # "from battery" on the dashboard
            "ppv": fmt(p["pv"]),
            "sysOut": fmt(p["load"]),
            "userLoad": fmt(p["exp"]),  # export
        }
    split = _energy_split(totals)

    def kwh(x):
        return f"{s1(x)}kWh"

    def percent(x):
        return f"{s1(x)}%"

    return {
        "chartData": chart,
        "chartDataUnit": "kW" if kind == 0 else "kWh",
        "keyNames": ["Solar", "Load Consumption", "Export To Grid", "From Battery"],
        "eAcCharge": kwh(split["exp"]),
        "eCharge": kwh(split["pv"]),
        "eChargeToday1": kwh(split["self_pv"]),
        "eChargeToday2": kwh(split["self_use"]),
        "eChargeToday2Echarge1": kwh(split["pv_load"]),
        "echarge1": kwh(split["bat_load"]),
        "echargeToat": kwh(snap.life["discharge"]),
        "elocalLoad": kwh(split["load"]),
        "etouser": kwh(split["imp"]),
        "photovoltaic": kwh(split["pv_load"]),
        **{f"ratio{i}": percent(split[f"ratio{i}"]) for i in range(1, 7)},
    }


def mix_set_params(device, bean: dict) -> dict:
    return {
        "deviceType": 0,
        "msg": "",
        "result": 1,
        "dtc": 0,
        "haveMeter": 1,
        "obj": {"mixBean": bean},
        "normalPower": device.nominal_w,
        "model": "",
    }


# ---------------------------------------------------------------------------
# Storage (SPF)
# ---------------------------------------------------------------------------


def storage_detail(view: DeviceView) -> dict:
    today, life = view.snap.today, view.snap.life
    out_w = view.load * 1000
    return {
        "vpv1": s1(view.vpv1), "vpv2": s1(view.vpv2),
        "iChargePV1": s1(view.ppv1 * 1000 / max(view.vbat, 1)), "iChargePV2": s1(view.ppv2 * 1000 / max(view.vbat, 1)),
        "pCharge1": s1(view.ppv1 * 1000), "pCharge2": s1(view.ppv2 * 1000),
        "vbat": s1(view.vbat), "capacity": f"{view.soc:.0f}",
        "outPutPower": s1(out_w), "outPutVolt": s1(view.vac), "freqOutPut": "50.0",
        "loadPercent": s1(pct(out_w, view.device.nominal_w)),
        "activePower": s1(out_w), "apparentPower": s1(out_w * 1.3),
        "vGrid": s1(view.vac), "freqGrid": "50.0",
        "epvToday": s1(view.pv_today), "epvTotal": s1(view.pv_total),
        "eBatChargeToday": s1(today["charge"]), "eBatChargeTotal": s1(life["charge"]),
        "eBatDisChargeToday": s1(today["discharge"]), "eBatDisChargeTotal": s1(life["discharge"]),
        "batSn": "",
        "status": "8" if view.discharge > 0 else ("5" if view.charge > 0 else "2"),
        "storageId": view.device.sn,
        "time": view.time,
    }


def storage_params(view: DeviceView) -> dict:
    today, life = view.snap.today, view.snap.life
    out_w = view.load * 1000
    bean = {
        "capacity": f"{view.soc:.0f}", "vBat": f32(view.vbat), "pCharge": r1(view.charge * 1000),
        "rateVA": r1(out_w * 1.3), "pAcInPut": r1(view.imp * 1000),
        "outPutPower": r1(out_w), "outPutVolt": s1(view.vac), "outPutCurrent": s1(out_w / view.vac),
        "loadPercent": s1(pct(out_w, view.device.nominal_w)),
        "vGrid": s1(view.vac), "freqGrid": "50.0", "freqOutPut": "50.0",
        "vpv": s1(view.vpv1), "vpv2": s1(view.vpv2), "ppv": s1(view.ppv1 * 1000), "ppv2": s1(view.ppv2 * 1000),
        "iChargePV1": s1(view.ppv1 * 1000 / max(view.vbat, 1)), "iChargePV2": s1(view.ppv2 * 1000 / max(view.vbat, 1)),
        "iAcCharge": s1(view.grid_charge * 1000 / max(view.vbat, 1)),
        "chgCurr": s1(view.charge * 1000 / max(view.vbat, 1)),
        "epvToday": s1(view.pv_today), "epvTotal": s1(view.pv_total),
        "eacChargeToday": s1(today["grid_charge"]), "eacChargeTotal": s1(life["grid_charge"]),
        "eChargeToday": s1(today["charge"]), "eChargeTotal": f32(life["charge"]),
        "eBatDisChargeToday": s1(today["discharge"]), "eBatDisChargeTotal": s1(life["discharge"]),
        "eacDisChargeToday": s1(today["grid_to_load"]), "eacDisChargeTotal": s1(life["grid_to_load"]),
        "eopDischrToday": s1(today["load"]), "eopDischrTotal": s1(life["load"]),
        "eToUserToday": s1(today["imp"]), "eToUserTotal": s1(life["imp"]),
        "outputConfig": "0", "status": "8" if view.discharge > 0 else "5",
        "vBuckText": f"{view.vbat:.1f} V", "serialNum": view.device.sn, "alias": view.device.alias,
        "time": view.time,
    }
    return {"success": True, "storageDetailBean": bean, "storageType": 3}


def storage_energy_overview(view: DeviceView) -> dict:
    today, life = view.snap.today, view.snap.life
    return obj({
        "epvToday": s1(view.pv_today), "epvTotal": s1(view.pv_total),
        "eChargeToday": s1(today["charge"]), "eChargeTotal": s1(life["charge"]),
        "eDischargeToday": s1(today["discharge"]), "eDischargeTotal": s1(life["discharge"]),
        "eToUserToday": s1(today["imp"]), "eToUserTotal": s1(life["imp"]),
        "eToGridToday": "0", "eToGridTotal": "0",
        "useEnergyToday": s1(today["load"]), "useEnergyTotal": s1(life["load"]),
    })


# ---------------------------------------------------------------------------
# Errors and HTML pages
# ---------------------------------------------------------------------------

NOT_FOUND_501 = {"msg": "501", "success": False}
OBJ_504 = {"result": 0, "obj": None, "msg": "504"}
OBJ_NULL = {"result": 1, "obj": None, "msg": ""}

LOGIN_PAGE = """<!DOCTYPE html>
<html data-name="login" lang="en">
<head><meta charset="utf-8"><title>Login</title></head>
<body class="login">
<div class="loginBox">
<form action="./login" method="post" id="loginForm">
<input type="text" name="account" placeholder="User Name">
<input type="password" name="password" placeholder="Password">
<button type="submit">Login</button>
</form>
<p class="errorMess">{message}</p>
</div>
</body>
</html>
"""

WAF_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>405</title></head>
<body><div class="main"><h1>405 Not Allowed</h1>
<p>Sorry, your request has been blocked as it may cause potential threats to the server's security.</p>
<p>Your request ID is : {request_id}</p></div></body></html>
"""

ERROR_500_PAGE = """<!DOCTYPE html>
<html><head><title>Error500</title></head>
<body><h2>Error500</h2><p>Internal Server Error. Please try again later.</p></body></html>
"""

FORBIDDEN_PAGE = """<html>
<head><title>403 Forbidden</title></head>
<body><center><h1>403 Forbidden</h1></center><hr><center>nginx</center></body>
</html>
"""

NOT_FOUND_PAGE = """<!doctype html><html lang="en"><head><title>HTTP Status 404 – Not Found</title></head>
<body><h1>HTTP Status 404 – Not Found</h1><hr class="line" /><p><b>Type</b> Status Report</p>
<p><b>Message</b> /{path}</p></body></html>
"""

BAD_OP_PAGE = """<!doctype html><html lang="en"><head><title>HTTP Status 400 – Bad Request</title></head>
<body><h1>HTTP Status 400 – Bad Request</h1><hr class="line" /><p><b>Type</b> Status Report</p>
<p><b>Message</b> Parameter conditions &quot;{condition}&quot; not met for actual request parameters: {actual}</p>
</body></html>
"""

