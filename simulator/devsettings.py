"""Inverter settings: the beans the server shows, the writes it accepts, and
the schedule the physics follows.

Beans hold strings the way ``getMixSetParams`` shows them (times as unpadded
"H:M").  A successful write updates the bean; the physics reads a parsed
``Schedule`` from it, effective from the moment of the write.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

SUCCESS = "inv_set_success"
FAILURE = "inv_set_failure"
TIME_FORMAT = "inv_set_time_format"

_SYS_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


@dataclass(frozen=True)
class Schedule:
    """What the battery and PV of one device do, as far as settings decide it."""

    charge_slots: tuple = ()  # ((start_min, end_min), ...) enabled battery-first / AC-charge windows
    charge_pct: int = 100
    charge_stop_soc: int = 100
    ac_charge: bool = False  # may the battery charge from the grid inside charge slots
    discharge_slots: tuple = ()  # enabled grid-first (forced discharge) windows
    discharge_pct: int = 100
    discharge_stop_soc: int = 10
    min_soc: int = 10  # load-first discharge floor
    pv_on: bool = True
    pv_rate: int = 100  # active power limit, % of nominal
    export_limit_pct: float | None = None  # None: no export limit


def hm(hour: int, minute: int) -> str:
    """Growatt's unpadded "H:M"."""
    return f"{int(hour)}:{int(minute)}"


def parse_hm(text) -> int:
    """Minutes after midnight from "H:M" (unpadded or padded)."""
    if not text:
        return 0
    h, _, m = str(text).partition(":")
    return int(h) * 60 + int(m or 0)


def in_window(minute: int, start: int, end: int) -> bool:
    """Is a minute of the day inside [start, end)?  Windows may wrap past midnight."""
    if start == end:
        return False
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    def minutes(slot):
        start, end = slot
        if start <= end:
            return set(range(start, end))
        return set(range(start, 1440)) | set(range(0, end))

    return bool(minutes(a) & minutes(b))


# ---------------------------------------------------------------------------
# Default beans
# ---------------------------------------------------------------------------

def default_bean(device, plant) -> dict:
    if device.kind == "tlx":
        return _tlx_bean(device, plant)
    if device.kind in ("mix", "spa"):
        return _mix_bean(device, plant)
    return _basic_bean(device, plant)


def _common(device, plant) -> dict:
    return {
        "serialNum": device.sn,
        "alias": device.alias,
        "dataLogSn": device.datalog_sn,
        "plantId": plant.id,
        "modelText": device.model,
        "fwVersion": "YA1.0",
        "innerVersion": "YBAA040489",
        "communicationVersion": "ZDAa-0089",
        "status": "1",
        "lost": "false",
        "updating": "false",
        "timezone": f"{float(plant.timezone):.1f}",
        "tcpServerIp": "47.91.95.95",
        "pmax": str(device.nominal_w),
        "onOff": "1",
        "pv_on_off": "1",
        "activeRate": "100",
        "pv_active_p_rate": "100",
        "userName": None,
        "plantname": None,
        "manufacturer": "   New Energy   ",
    }


def _basic_bean(device, plant) -> dict:
    return _common(device, plant)


def _mix_bean(device, plant) -> dict:
    bean = _common(device, plant)
    bean.update({
        "deviceType": "1" if device.kind == "mix" else "2",
        "model": "28547293900000",
        "dtc": "3601" if device.kind == "mix" else "3701",
        "statusText": f"{device.kind}.status.normal",
        "vnormal": "360.0",
        "priorityChoose": "0",
        "chargePowerCommand": "100",
        "acChargeEnable": "0",
        "wchargeSOCLowLimit1": "100",
        "wchargeSOCLowLimit2": "100",
        "disChargePowerCommand": "100",
        "wdisChargeSOCLowLimit1": "100",
        "wdisChargeSOCLowLimit2": "10",
        "loadFirstStopSocSet": "10",
        "loadFirstControl": "0",
        "batFirstSwitch1": "0",
        "gridFirstSwitch1": "0",
        "exportLimit": "0",
        "exportLimitPowerRate": "0.0",
        "backflow_setting": "0",
        "epsFunEn": "0",
        "epsVoltSet": "0",
        "epsFreqSet": "1",
        "mix_off_grid_enable": "0",
        "mix_ac_discharge_frequency": "0",
        "mix_ac_discharge_voltage": "0",
        "reactiveRate": "100",
        "pv_reactive_p_rate": "100",
        "pv_reactive_p_rate_two": "over",
        "powerFactor": "0.0",
        "pv_power_factor": "0.0",
        "pvPfCmdMemoryState": "1",
        "pv_pf_cmd_memory_state": "1",
        "voltageHighLimit": "263.0",
        "pv_grid_voltage_high": "263.0",
        "voltageLowLimit": "184.0",
        "pv_grid_voltage_low": "184.0",
        "batteryType": "1",
        "batSeriesNum": "12",
        "batParallelNum": "0",
        "pCharge": "0.0",
        "pDischarge": "0.0",
        "energyDay": "0.0",
        "energyMonth": "0.0",
        "chargeTime1": None,
        "dischargeTime1": None,
        "children": None,
        "imgPath": "./css/img/status_green.gif",
        "treeID": f"ST_{device.sn}",
        "parentID": f"LIST_{device.datalog_sn}_96",
        "level": "4",
    })
    for n in range(1, 7):
        bean[f"forcedChargeTimeStart{n}"] = "0:0"
        bean[f"forcedChargeTimeStop{n}"] = "0:0"
        bean[f"forcedChargeStopSwitch{n}"] = "0"
        bean[f"forcedDischargeTimeStart{n}"] = "0:0"
        bean[f"forcedDischargeTimeStop{n}"] = "0:0"
        bean[f"forcedDischargeStopSwitch{n}"] = "0"
    return bean


def _tlx_bean(device, plant) -> dict:
    bean = _common(device, plant)
    bean.update({
        "deviceType": "7",
        "statusText": "tlx.status.normal",
        "tlx_on_off": "1",
        "chargePowerCommand": "100",
        "wchargeSOCLowLimit": "100",
        "disChargePowerCommand": "100",
        "wdisChargeSOCLowLimit": "10",
        "onGridDischargeStopSOC": "10",
        "acChargeEnable": "0",
        "exportLimit": "0",
        "exportLimitPowerRate": "0.0",
    })
    for n in range(1, 10):
        bean[f"time{n}Mode"] = "0"
        bean[f"forcedTimeStart{n}"] = "0:0"
        bean[f"forcedTimeStop{n}"] = "0:0"
        bean[f"forcedStopSwitch{n}"] = "0"
    return bean


# ---------------------------------------------------------------------------
# Schedules
# ---------------------------------------------------------------------------

def _i(bean, key, default=0) -> int:
    try:
        return int(float(bean.get(key) or default))
    except (TypeError, ValueError):
        return default


def schedule_from_bean(kind: str, bean: dict) -> Schedule:
    pv_on = bean.get("pv_on_off", "1") == "1" and bean.get("tlx_on_off", "1") in ("1", "0001")
    export_limit = None
    if bean.get("exportLimit") == "1":
        export_limit = float(bean.get("exportLimitPowerRate") or 0)
    common = {"pv_on": pv_on, "pv_rate": _i(bean, "pv_active_p_rate", 100), "export_limit_pct": export_limit}
    if kind == "tlx":
        charge, discharge = [], []
        for n in range(1, 10):
            if bean.get(f"forcedStopSwitch{n}") != "1":
                continue
            slot = (parse_hm(bean[f"forcedTimeStart{n}"]), parse_hm(bean[f"forcedTimeStop{n}"]))
            mode = bean.get(f"time{n}Mode")
            if mode == "1":
                charge.append(slot)
            elif mode == "2":
                discharge.append(slot)
        return Schedule(
            charge_slots=tuple(charge), charge_pct=_i(bean, "chargePowerCommand", 100),
            charge_stop_soc=_i(bean, "wchargeSOCLowLimit", 100), ac_charge=bean.get("acChargeEnable") == "1",
            discharge_slots=tuple(discharge), discharge_pct=_i(bean, "disChargePowerCommand", 100),
            discharge_stop_soc=_i(bean, "wdisChargeSOCLowLimit", 10),
            min_soc=_i(bean, "onGridDischargeStopSOC", 10), **common,
        )
    if kind in ("mix", "spa"):
        charge = tuple(
            (parse_hm(bean[f"forcedChargeTimeStart{n}"]), parse_hm(bean[f"forcedChargeTimeStop{n}"]))
            for n in range(1, 4) if bean.get(f"forcedChargeStopSwitch{n}") == "1"
        )
        discharge = tuple(
            (parse_hm(bean[f"forcedDischargeTimeStart{n}"]), parse_hm(bean[f"forcedDischargeTimeStop{n}"]))
            for n in range(1, 4) if bean.get(f"forcedDischargeStopSwitch{n}") == "1"
        )
        return Schedule(
            charge_slots=charge, charge_pct=_i(bean, "chargePowerCommand", 100),
            charge_stop_soc=_i(bean, "wchargeSOCLowLimit2", 100),
            # An SPA charges from AC by nature; a MIX only when AC charging is enabled.
            ac_charge=kind == "spa" or bean.get("acChargeEnable") == "1",
            discharge_slots=discharge, discharge_pct=_i(bean, "disChargePowerCommand", 100),
            discharge_stop_soc=_i(bean, "wdisChargeSOCLowLimit2", 10),
            min_soc=_i(bean, "loadFirstStopSocSet", 10), **common,
        )
    if kind == "storage":
        return Schedule(min_soc=20, **common)
    return Schedule(**common)


# ---------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------

class Rejected(Exception):
    def __init__(self, msg: str = FAILURE):
        super().__init__(msg)
        self.msg = msg


def _param(params: dict, n: int, lo: int, hi: int) -> int:
    raw = params.get(f"param{n}")
    if raw is None or str(raw).strip() == "":
        raise Rejected()
    text = str(raw).strip()
    if not re.fullmatch(r"[0-9]{1,4}", text):
        raise Rejected()
    value = int(text)
    if not lo <= value <= hi:
        raise Rejected()
    return value


def _number(params: dict, n: int, lo: float, hi: float) -> float:
    raw = params.get(f"param{n}")
    try:
        value = float(str(raw).strip())
    except (TypeError, ValueError):
        raise Rejected() from None
    if not lo <= value <= hi:
        raise Rejected()
    return value


def _slot(params: dict, first: int) -> tuple[int, int, int, int, int]:
    sh = _param(params, first, 0, 23)
    sm = _param(params, first + 1, 0, 59)
    eh = _param(params, first + 2, 0, 23)
    em = _param(params, first + 3, 0, 59)
    enabled = _param(params, first + 4, 0, 1)
    if enabled and (sh, sm) == (eh, em):
        raise Rejected()
    return sh, sm, eh, em, enabled


def _check_no_overlap(slots) -> None:
    active = [((sh * 60 + sm), (eh * 60 + em)) for sh, sm, eh, em, en in slots if en]
    for i, a in enumerate(active):
        for b in active[i + 1:]:
            if _overlap(a, b):
                raise Rejected()


def _sys_time(params: dict) -> str:
    text = str(params.get("param1") or "").strip()
    if not _SYS_TIME_RE.match(text):
        raise Rejected(TIME_FORMAT)
    try:
        datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise Rejected(TIME_FORMAT) from None
    return text


# setting type -> (bean keys written with param1, param1 range)
_SIMPLE_MIX = {
    "mix_load_flast_value_multi": (("loadFirstStopSocSet",), 10, 100),
    "pv_on_off": (("pv_on_off", "onOff"), 0, 1),
    "mix_off_grid_enable": (("mix_off_grid_enable", "epsFunEn"), 0, 1),
    "mix_ac_discharge_frequency": (("mix_ac_discharge_frequency", "epsFreqSet"), 0, 1),
    "mix_ac_discharge_voltage": (("mix_ac_discharge_voltage", "epsVoltSet"), 0, 2),
    "pv_pf_cmd_memory_state": (("pv_pf_cmd_memory_state", "pvPfCmdMemoryState"), 0, 1),
    "pv_reactive_p_rate": (("pv_reactive_p_rate", "reactiveRate"), 0, 100),
}
_SIMPLE_TLX = {
    "charge_power": (("chargePowerCommand",), 0, 100),
    "charge_stop_soc": (("wchargeSOCLowLimit",), 10, 100),
    "discharge_power": (("disChargePowerCommand",), 0, 100),
    "discharge_stop_soc": (("wdisChargeSOCLowLimit",), 10, 100),
    "on_grid_discharge_stop_soc": (("onGridDischargeStopSOC",), 10, 100),
    "ac_charge": (("acChargeEnable",), 0, 1),
    "pv_on_off": (("pv_on_off", "onOff"), 0, 1),
}

OPS_FOR_KIND = {"mix": ("mixSetApiNew", "mixSetApi"), "spa": ("spaSetApi",), "tlx": ("tlxSet",)}


def apply_write(device, bean: dict, op: str, setting: str, params: dict) -> tuple[dict, dict]:
    """Validate a newTcpsetAPI write.  Returns (changes to the bean, extra state).

    Raises ``Rejected`` with the reply ``msg`` when the server would refuse it.
    """
    if op not in OPS_FOR_KIND.get(device.kind, ()):
        raise Rejected()
    if setting == "pf_sys_year":
        text = _sys_time(params)
        return {"pf_sys_year": text, "sysTime": text, "sysTimeText": text}, {"sys_time": text}
    if device.kind in ("mix", "spa"):
        return _mix_write(device, setting, params), {}
    return _tlx_write(setting, params), {}


def _mix_write(device, setting: str, params: dict) -> dict:
    changes: dict = {}
    if setting == "mix_ac_charge_time_period" and device.kind == "mix":
        changes["chargePowerCommand"] = str(_param(params, 1, 0, 100))
        changes["wchargeSOCLowLimit2"] = str(_param(params, 2, 0, 100))
        changes["acChargeEnable"] = str(_param(params, 3, 0, 1))
        slots = [_slot(params, 4 + 5 * i) for i in range(3)]
        prefix = "forcedCharge"
    elif setting == "spa_ac_charge_time_period" and device.kind == "spa":
        changes["chargePowerCommand"] = str(_param(params, 1, 0, 100))
        changes["wchargeSOCLowLimit2"] = str(_param(params, 2, 0, 100))
        slots = [_slot(params, 3 + 5 * i) for i in range(3)]
        prefix = "forcedCharge"
    elif setting == "mix_ac_discharge_time_period" and device.kind == "mix":
        changes["disChargePowerCommand"] = str(_param(params, 1, 0, 100))
        changes["wdisChargeSOCLowLimit2"] = str(_param(params, 2, 0, 100))
        slots = [_slot(params, 3 + 5 * i) for i in range(3)]
        prefix = "forcedDischarge"
    elif setting in _SIMPLE_MIX:
        keys, lo, hi = _SIMPLE_MIX[setting]
        value = str(_param(params, 1, lo, hi))
        return dict.fromkeys(keys, value)
    elif setting == "pv_active_p_rate":
        value = str(_param(params, 1, 0, 100))
        return {"pv_active_p_rate": value, "activeRate": value}
    elif setting == "backflow_setting":
        on = _param(params, 1, 0, 1)
        rate = _number(params, 2, 0, 100) if on else float(params.get("param2") or 0)
        return {"exportLimit": str(on), "backflow_setting": str(on), "exportLimitPowerRate": f"{rate:.1f}"}
    elif setting in ("pv_grid_voltage_high", "pv_grid_voltage_low"):
        value = _number(params, 1, 100, 500)
        key = "voltageHighLimit" if setting.endswith("high") else "voltageLowLimit"
        return {setting: f"{value:.1f}", key: f"{value:.1f}"}
    elif setting == "pv_power_factor":
        value = _number(params, 1, -1, 100)
        return {"pv_power_factor": f"{value:.1f}", "powerFactor": f"{value:.1f}"}
    else:
        raise Rejected()
    _check_no_overlap(slots)
    for n, (sh, sm, eh, em, en) in enumerate(slots, start=1):
        changes[f"{prefix}TimeStart{n}"] = hm(sh, sm)
        changes[f"{prefix}TimeStop{n}"] = hm(eh, em)
        changes[f"{prefix}StopSwitch{n}"] = str(en)
    return changes


def _tlx_write(setting: str, params: dict) -> dict:
    match = re.fullmatch(r"time_segment([1-9])", setting)
    if match:
        n = int(match.group(1))
        mode = _param(params, 1, 0, 2)
        sh, sm = _param(params, 2, 0, 23), _param(params, 3, 0, 59)
        eh, em = _param(params, 4, 0, 23), _param(params, 5, 0, 59)
        enabled = _param(params, 6, 0, 1)
        if enabled and (sh, sm) == (eh, em):
            raise Rejected()
        return {
            f"time{n}Mode": str(mode), f"forcedTimeStart{n}": hm(sh, sm),
            f"forcedTimeStop{n}": hm(eh, em), f"forcedStopSwitch{n}": str(enabled),
        }
    if setting in _SIMPLE_TLX:
        keys, lo, hi = _SIMPLE_TLX[setting]
        value = str(_param(params, 1, lo, hi))
        return dict.fromkeys(keys, value)
    if setting == "tlx_on_off":
        raw = str(params.get("param1") or "").strip()
        if raw not in ("0", "1", "0000", "0001"):
            raise Rejected()
        value = "1" if raw in ("1", "0001") else "0"
        return {"tlx_on_off": value, "onOff": value, "pv_on_off": value}
    if setting == "pv_active_p_rate":
        value = str(_param(params, 1, 0, 100))
        return {"pv_active_p_rate": value, "activeRate": value}
    raise Rejected()


def check_tlx_segments(bean: dict, changes: dict) -> None:
    """The MIN is picky: enabled time segments must not overlap (tlx_example)."""
    merged = {**bean, **changes}
    slots = []
    for n in range(1, 10):
        if merged.get(f"forcedStopSwitch{n}") == "1":
            start, end = parse_hm(merged[f"forcedTimeStart{n}"]), parse_hm(merged[f"forcedTimeStop{n}"])
            slots.append((start // 60, start % 60, end // 60, end % 60, 1))
    _check_no_overlap(slots)
