"""growatt — a client for the Growatt ShinePhone cloud API, compatible with growattServer 1.5.0.

Pure Python on top of ``requests``; no Django. ::

    from growatt import GrowattApi, Timespan

    api = GrowattApi(server_url=SERVER_EU, timeout=20)
    login = api.login("user", "password")          # raises BadCredentials / AccountLocked
    plants = api.plant_list(login["userId"])["data"]

Modules: :mod:`growatt.api` (the client), :mod:`growatt.errors` (typed errors),
:mod:`growatt.values` (unit/number/time parsers), :mod:`growatt.schedules` (battery schedules).
"""

from .api import (
    DEFAULT_TIMEOUT,
    DEFAULT_USER_AGENT,
    SERVER_ATESS,
    SERVER_AU,
    SERVER_CN,
    SERVER_EU,
    SERVER_SMTEN,
    SERVER_US,
    SERVERS,
    GrowattApi,
    Timespan,
    hash_password,
    http_session,
    normalize_server_url,
)
from .errors import (
    AccountLocked,
    BadCredentials,
    Blocked,
    DeviceNotFound,
    GrowattError,
    GrowattTimeout,
    GrowattTransportError,
    SessionExpired,
    SettingRejected,
    UnexpectedReply,
)
from .schedules import (
    MixChargeSchedule,
    MixDischargeSchedule,
    ScheduleError,
    SpaChargeSchedule,
    TimeSlot,
    inverter_time_params,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "SERVERS",
    "SERVER_ATESS",
    "SERVER_AU",
    "SERVER_CN",
    "SERVER_EU",
    "SERVER_SMTEN",
    "SERVER_US",
    "AccountLocked",
    "BadCredentials",
    "Blocked",
    "DeviceNotFound",
    "GrowattApi",
    "GrowattError",
    "GrowattTimeout",
    "GrowattTransportError",
    "MixChargeSchedule",
    "MixDischargeSchedule",
    "ScheduleError",
    "SessionExpired",
    "SettingRejected",
    "SpaChargeSchedule",
    "TimeSlot",
    "Timespan",
    "UnexpectedReply",
    "hash_password",
    "http_session",
    "inverter_time_params",
    "normalize_server_url",
]
