"""Accounts, plants and devices: the simulated Growatt world.

The world holds identities and editable state (plant settings, inverter
setting beans, login history).  Power and energy come from ``physics``, which
derives them lazily from the seed, the plant and the date.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import ZoneInfo

DEVICE_KINDS = ("inverter", "tlx", "mix", "spa", "storage")
BATTERY_KINDS = ("tlx", "mix", "spa", "storage")

# Growatt's plant currency keys (getPlant.unitMap values) and what the app shows.
CURRENCY_SYMBOLS = {
    "eur": "€", "euro": "€", "gbp": "£", "usd": "$", "dollar": "$", "aud": "$", "rmb": "¥",
}
UNIT_MAP = {"GBP": "gbp", "EUR": "eur", "USD": "usd", "Euro": "euro", "DOLLAR": "dollar", "RMB": "rmb"}


def growatt_hash(password: str) -> str:
    """The mobile API's password hash: MD5 hex with '0' -> 'c' at even positions."""
    digest = list(hashlib.md5(password.encode("utf-8")).hexdigest())
    for i in range(0, len(digest), 2):
        if digest[i] == "0":
            digest[i] = "c"
    return "".join(digest)


@dataclass
class Device:
    sn: str
    kind: str  # inverter | tlx | mix | spa | storage
    plant_id: str
    alias: str
    model: str
    datalog_sn: str
    pv_kwp: float = 0.0  # DC array size behind this device (0: no PV input)
    nominal_w: int = 0  # AC rating
    battery_kwh: float = 0.0
    battery_kw: float = 0.0  # max charge / discharge power
    install_date: date = date(2022, 5, 1)

    @property
    def has_battery(self) -> bool:
        return self.battery_kwh > 0


@dataclass
class Plant:
    id: str
    name: str
    owner: str
    iana: str  # physics runs in this zone (with DST)
    timezone: int  # Growatt's integer UTC offset without DST
    country: str
    city: str
    address: str
    lat: float
    lng: float
    currency: str
    price: float  # income per kWh
    create_date: date
    load_kwh_day: float
    devices: list[Device] = field(default_factory=list)
    # Editable through updatePlant; shown by getPlant.  Physics keeps using the fields above.
    edits: dict = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.iana)

    @property
    def nominal_power(self) -> int:
        return int(round(sum(d.pv_kwp for d in self.devices) * 1000)) or sum(d.nominal_w for d in self.devices)

    @property
    def battery(self) -> Device | None:
        for device in self.devices:
            if device.has_battery:
                return device
        return None

    @property
    def pv_devices(self) -> list[Device]:
        return [d for d in self.devices if d.pv_kwp > 0]

    def setting(self, key: str):
        """The plant's editable settings as getPlant shows them."""
        return self.edits.get(key, _plant_default(self, key))

    @property
    def display_name(self) -> str:
        return str(self.setting("plantName"))

    @property
    def currency_unit(self) -> str:
        return str(self.setting("formulaMoneyUnitId"))

    @property
    def currency_symbol(self) -> str:
        return CURRENCY_SYMBOLS.get(self.currency_unit.lower(), self.currency_unit)

    @property
    def income_per_kwh(self) -> float:
        try:
            return float(self.setting("formulaMoneyStr"))
        except (TypeError, ValueError):
            return self.price


def _plant_default(plant: Plant, key: str):
    defaults = {
        "plantName": plant.name,
        "country": plant.country,
        "city": plant.city,
        "plantAddress": plant.address,
        "timezone": plant.timezone,
        "plant_lat": f"{plant.lat:g}",
        "plant_lng": f"{plant.lng:g}",
        "nominalPower": plant.nominal_power,
        "formulaMoneyStr": f"{plant.price:g}",
        "formulaMoneyUnitId": plant.currency,
        "formulaCoal": 0.4,
        "formulaSo2": 0.03,
        "formulaCo2": 0.4,
        "plantType": 0,
        "createDateText": plant.create_date.isoformat(),
    }
    return defaults[key]


@dataclass
class Account:
    username: str
    password_hash: str
    user_id: int
    email: str
    country: str
    area: str
    timezone: int
    create_date: str
    plant_ids: list[str] = field(default_factory=list)
    # runtime state
    login_times: list[float] = field(default_factory=list)
    locked_until: float | None = None
    last_login: float | None = None


class World:
    """Everything that exists: accounts, plants, devices, and their editable state."""

    def __init__(self, scenario: str = "demo", seed: int = 1, *, accounts: int = 10, plants_per_account: int = 3):
        self.scenario = scenario
        self.seed = seed
        self.lock = threading.RLock()
        self.accounts: dict[str, Account] = {}
        self.accounts_by_id: dict[int, Account] = {}
        self.plants: dict[str, Plant] = {}
        self.devices: dict[str, Device] = {}
        # Per-device setting beans (strings, as the server shows them) and the
        # timeline of parsed schedules the physics follows: sn -> [(ts, Schedule)].
        self.beans: dict[str, dict] = {}
        self.timelines: dict[str, list] = {}
        self.version = 0  # bumped on every write; part of the reply cache key
        if scenario == "demo":
            build_demo(self)
        elif scenario == "scale":
            build_scale(self, accounts, plants_per_account)
        else:
            raise ValueError(f"unknown scenario {scenario!r} (demo or scale)")

    # -- building --------------------------------------------------------------
    def add_account(self, account: Account) -> Account:
        self.accounts[account.username] = account
        self.accounts_by_id[account.user_id] = account
        return account

    def add_plant(self, plant: Plant) -> Plant:
        self.plants[plant.id] = plant
        self.accounts[plant.owner].plant_ids.append(plant.id)
        for device in plant.devices:
            device.plant_id = plant.id
            self.devices[device.sn] = device
        return plant

    # -- lookups ---------------------------------------------------------------
    def account_plants(self, username: str) -> list[Plant]:
        account = self.accounts[username]
        return [self.plants[pid] for pid in account.plant_ids]

    def plant_of(self, username: str, plant_id: str) -> Plant | None:
        plant = self.plants.get(str(plant_id))
        if plant is None or plant.owner != username:
            return None
        return plant

    def device_of(self, username: str, sn: str) -> Device | None:
        device = self.devices.get(str(sn))
        if device is None or self.plants[device.plant_id].owner != username:
            return None
        return device

    def plant_zone(self, plant_id: str) -> str:
        """The IANA zone a plant's physics (and its local midnight) follows."""
        return self.plants[str(plant_id)].iana

    def bump(self) -> None:
        with self.lock:
            self.version += 1

    def describe(self) -> dict:
        """A JSON-able summary (GET /__sim__/world)."""
        out = {"scenario": self.scenario, "seed": self.seed, "accounts": []}
        for account in self.accounts.values():
            if self.scenario == "scale" and len(out["accounts"]) >= 50:
                out["truncated"] = True
                break
            out["accounts"].append({
                "username": account.username,
                "userId": account.user_id,
                "plants": [
                    {
                        "plantId": p.id,
                        "name": p.display_name,
                        "iana": p.iana,
                        "timezone": p.timezone,
                        "lat": p.lat,
                        "lng": p.lng,
                        "devices": [
                            {"sn": d.sn, "kind": d.kind, "model": d.model, "pvKwp": d.pv_kwp,
                             "batteryKwh": d.battery_kwh}
                            for d in p.devices
                        ],
                    }
                    for p in self.account_plants(account.username)
                ],
            })
        out["accountCount"] = len(self.accounts)
        out["plantCount"] = len(self.plants)
        out["deviceCount"] = len(self.devices)
        return out


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------

DEMO_PASSWORD = "demo"


def _dev(kind: str, sn: str, model: str, datalog: str, **kw) -> Device:
    return Device(sn=sn, kind=kind, plant_id="", alias=kw.pop("alias", sn), model=model, datalog_sn=datalog, **kw)


def build_demo(world: World) -> None:
    """Two people, five plants on four continents' time zones, every device kind."""
    demo = world.add_account(Account(
        username="demo", password_hash=growatt_hash(DEMO_PASSWORD), user_id=1500001,
        email="demo@example.com", country="Germany", area="Europe", timezone=1,
        create_date="2021-05-03 18:22:10",
    ))
    second = world.add_account(Account(
        username="neighbour", password_hash=growatt_hash("neighbour"), user_id=1500002,
        email="neighbour@example.com", country="Portugal", area="Europe", timezone=0,
        create_date="2022-03-14 10:01:44",
    ))
    world.add_plant(Plant(
        id="1001001", name="Berlin Hybrid", owner=demo.username, iana="Europe/Berlin", timezone=1,
        country="Germany", city="Berlin", address="Solarweg 5", lat=52.52, lng=13.405,
        currency="eur", price=0.30, create_date=date(2021, 5, 3), load_kwh_day=11.0,
        devices=[_dev("mix", "SPH6A1B001", "SPH 6000TL BL-UP", "XGD6A1B001", alias="SPH 6000 garage",
                      pv_kwp=6.2, nominal_w=6000, battery_kwh=10.24, battery_kw=3.0,
                      install_date=date(2021, 5, 3))],
    ))
    world.add_plant(Plant(
        id="1001002", name="London Terrace", owner=demo.username, iana="Europe/London", timezone=0,
        country="United Kingdom", city="London", address="12 Sunny Row", lat=51.507, lng=-0.128,
        currency="gbp", price=0.24, create_date=date(2022, 4, 9), load_kwh_day=8.5,
        devices=[_dev("tlx", "MIN4B2C002", "MIN 4600TL-XH", "XGD4B2C002", alias="MIN 4600 loft",
                      pv_kwp=4.4, nominal_w=4600, battery_kwh=5.0, battery_kw=2.5,
                      install_date=date(2022, 4, 9))],
    ))
    world.add_plant(Plant(
        id="1001003", name="Sydney Bungalow", owner=demo.username, iana="Australia/Sydney", timezone=10,
        country="Australia", city="Sydney", address="7 Harbour Lane", lat=-33.869, lng=151.209,
        currency="dollar", price=0.35, create_date=date(2020, 11, 20), load_kwh_day=13.0,
        devices=[
            _dev("inverter", "MIC3C3D003", "MIC 3000TL-X", "JPC3C3D003", alias="MIC 3000 roof",
                 pv_kwp=3.3, nominal_w=3000, install_date=date(2020, 11, 20)),
            _dev("spa", "SPA3C3D004", "SPA 3000TL BL", "XGD3C3D004", alias="SPA 3000 battery",
                 nominal_w=3000, battery_kwh=6.5, battery_kw=3.0, install_date=date(2023, 2, 1)),
        ],
    ))
    world.add_plant(Plant(
        id="1001004", name="Catskills Cabin", owner=demo.username, iana="America/New_York", timezone=-5,
        country="United States", city="Phoenicia", address="3 Ridge Road", lat=42.08, lng=-74.31,
        currency="usd", price=0.22, create_date=date(2022, 8, 30), load_kwh_day=6.0,
        devices=[_dev("storage", "SPF5D4E005", "SPF 5000 ES", "XGD5D4E005", alias="SPF 5000 cabin",
                      pv_kwp=4.0, nominal_w=5000, battery_kwh=9.6, battery_kw=3.5,
                      install_date=date(2022, 8, 30))],
    ))
    world.add_plant(Plant(
        id="1002001", name="Lisbon Rooftop", owner=second.username, iana="Europe/Lisbon", timezone=0,
        country="Portugal", city="Lisbon", address="Rua do Sol 21", lat=38.722, lng=-9.139,
        currency="euro", price=0.21, create_date=date(2022, 3, 14), load_kwh_day=9.0,
        devices=[_dev("mix", "SPH5E5F006", "SPH 5000TL BL-UP", "XGD5E5F006", alias="SPH 5000",
                      pv_kwp=5.0, nominal_w=5000, battery_kwh=7.68, battery_kw=2.5,
                      install_date=date(2022, 3, 14))],
    ))


# Sites for the scale scenario: zone, Growatt offset, country, city, lat, lng, currency.
SCALE_SITES = [
    ("Europe/Berlin", 1, "Germany", "Munich", 48.14, 11.58, "eur"),
    ("Europe/London", 0, "United Kingdom", "Bristol", 51.45, -2.59, "gbp"),
    ("Europe/Madrid", 1, "Spain", "Seville", 37.39, -5.98, "eur"),
    ("Europe/Amsterdam", 1, "Netherlands", "Utrecht", 52.09, 5.12, "eur"),
    ("Australia/Sydney", 10, "Australia", "Newcastle", -32.93, 151.78, "dollar"),
    ("America/New_York", -5, "United States", "Albany", 42.65, -73.76, "usd"),
    ("America/Los_Angeles", -8, "United States", "Fresno", 36.74, -119.79, "usd"),
    ("Asia/Shanghai", 8, "China", "Hangzhou", 30.27, 120.15, "rmb"),
]
SCALE_KINDS = [("mix",), ("tlx",), ("inverter",), ("inverter", "spa"), ("storage",)]
_MODELS = {
    "inverter": ("MIC 3000TL-X", 3.6, 3000, 0.0, 0.0),
    "tlx": ("MIN 4600TL-XH", 4.8, 4600, 5.0, 2.5),
    "mix": ("SPH 6000TL BL-UP", 6.0, 6000, 10.24, 3.0),
    "spa": ("SPA 3000TL BL", 0.0, 3000, 6.5, 3.0),
    "storage": ("SPF 5000 ES", 4.0, 5000, 9.6, 3.5),
}
_PREFIX = {"inverter": "MIC", "tlx": "MIN", "mix": "SPH", "spa": "SPA", "storage": "SPF"}


def build_scale(world: World, accounts: int, plants_per_account: int) -> None:
    """N accounts x M plants with mixed device kinds (usernames user0001..., password 'pass')."""
    password_hash = growatt_hash("pass")
    plant_no = 0
    for a in range(1, accounts + 1):
        account = world.add_account(Account(
            username=f"user{a:04d}", password_hash=password_hash, user_id=2000000 + a,
            email=f"user{a:04d}@example.com", country="Germany", area="Europe", timezone=1,
            create_date="2022-01-01 12:00:00",
        ))
        for p in range(plants_per_account):
            plant_no += 1
            iana, tz, country, city, lat, lng, currency = SCALE_SITES[plant_no % len(SCALE_SITES)]
            kinds = SCALE_KINDS[plant_no % len(SCALE_KINDS)]
            devices = []
            for k, kind in enumerate(kinds):
                model, kwp, nominal, bat_kwh, bat_kw = _MODELS[kind]
                sn = f"{_PREFIX[kind]}{plant_no:06d}{k}"
                devices.append(_dev(kind, sn, model, f"XGD{plant_no:06d}{k}", alias=f"{model} #{plant_no}",
                                    pv_kwp=kwp, nominal_w=nominal, battery_kwh=bat_kwh, battery_kw=bat_kw,
                                    install_date=date(2022, 1 + plant_no % 12, 1)))
            world.add_plant(Plant(
                id=str(3000000 + plant_no), name=f"Plant {plant_no} ({city})", owner=account.username,
                iana=iana, timezone=tz, country=country, city=city, address=f"{p + 1} Scale Street",
                lat=lat + (plant_no % 7) * 0.05, lng=lng + (plant_no % 5) * 0.05, currency=currency,
                price=0.25, create_date=date(2022, 1 + plant_no % 12, 1),
                load_kwh_day=7.0 + (plant_no % 6), devices=devices,
            ))
