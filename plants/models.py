"""Growatt accounts, plants, devices and their time series.

Times are stored in UTC; a plant's IANA timezone decides its days. Every
time-series write is an upsert on a unique key, so syncing twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from plants.crypto import EncryptedTextField


def validate_timezone(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"“{value}” is not a known IANA timezone (for example Europe/Berlin).") from exc


# --------------------------------------------------------------------------------------
# Growatt accounts
# --------------------------------------------------------------------------------------


class GrowattAccountQuerySet(models.QuerySet):
    def due(self, now: dt.datetime | None = None):
        """Accounts whose next sync time has come and that are allowed to talk to Growatt."""
        now = now or timezone.now()
        return (
            self.filter(enabled=True, next_sync_at__lte=now)
            .exclude(state=GrowattAccount.State.BAD_CREDENTIALS)
            .filter(Q(locked_until__isnull=True) | Q(locked_until__lte=now))
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        )


class GrowattAccount(models.Model):
    class State(models.TextChoices):
        NEW = "new", "Not synced yet"
        OK = "ok", "Working"
        BAD_CREDENTIALS = "bad_credentials", "Wrong username or password"
        LOCKED = "locked", "Locked by Growatt"
        ERROR = "error", "Last sync failed"
        LOGIN_CAP = "login_cap", "Daily login limit reached"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="growatt_accounts")
    label = models.CharField(max_length=100)
    server_url = models.URLField(max_length=200)
    username = models.CharField(max_length=150)
    password = EncryptedTextField()
    # The exported growatt session (cookies, user id) as JSON, encrypted like the password.
    session_data = EncryptedTextField(null=True, blank=True, editable=False)
    session_generation = models.PositiveIntegerField(default=0, editable=False)
    login_guard_until = models.DateTimeField(null=True, blank=True, editable=False)
    growatt_user_id = models.CharField(max_length=40, blank=True, editable=False)

    enabled = models.BooleanField(default=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.NEW)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)

    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    next_sync_at = models.DateTimeField(default=timezone.now, db_index=True)
    discovered_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)

    objects = GrowattAccountQuerySet.as_manager()

    class Meta:
        ordering = ["label", "id"]

    def __str__(self) -> str:
        return self.label

    def __repr__(self) -> str:  # never the password or the session
        return f"<GrowattAccount {self.pk} {self.label!r} state={self.state}>"

    # --- session (cookies) ------------------------------------------------------------
    @property
    def session(self) -> dict | None:
        if not self.session_data:
            return None
        try:
            return json.loads(self.session_data)
        except ValueError:
            return None

    # --- state helpers ----------------------------------------------------------------------
    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())

    @property
    def needs_attention(self) -> bool:
        return self.state in (self.State.BAD_CREDENTIALS, self.State.LOCKED, self.State.ERROR,
                              self.State.LOGIN_CAP)

    def logins_in_last_day(self, now: dt.datetime | None = None) -> int:
        now = now or timezone.now()
        return self.logins.filter(at__gt=now - dt.timedelta(days=1)).count()

    def acquire_lease(self, seconds: int | None = None) -> str | None:
        """Compare-and-swap lease: returns a token for the one caller that wins, else None."""
        now = timezone.now()
        seconds = seconds or settings.GROWATT_SYNC_LEASE_SECONDS
        token = secrets.token_hex(16)
        won = GrowattAccount.objects.filter(pk=self.pk).filter(
            Q(lease_until__isnull=True) | Q(lease_until__lt=now)
        ).update(lease_until=now + dt.timedelta(seconds=seconds), lease_token=token)
        if won:
            self.lease_until = now + dt.timedelta(seconds=seconds)
            self.lease_token = token
            return token
        return None

    def release_lease(self, token: str) -> None:
        GrowattAccount.objects.filter(pk=self.pk, lease_token=token).update(lease_until=None, lease_token="")


class GrowattLogin(models.Model):
    """Every login attempt against Growatt: the daily cap and the lockout evidence."""

    account = models.ForeignKey(GrowattAccount, on_delete=models.CASCADE, related_name="logins")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ok = models.BooleanField(default=False)
    reason = models.CharField(max_length=40)  # first, expired, test, retry...
    result = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"login {self.at:%Y-%m-%d %H:%M} {self.result}"


class SyncRun(models.Model):
    """One sync cycle of one account: what it cost and how it ended."""

    account = models.ForeignKey(GrowattAccount, on_delete=models.CASCADE, related_name="sync_runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    requests = models.PositiveIntegerField(default=0)
    logins = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=20, default="running")
    message = models.TextField(blank=True)
    days_backfilled = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["account", "-started_at"])]

    def __str__(self) -> str:
        return f"sync {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"


# --------------------------------------------------------------------------------------
# Plants and who may see them
# --------------------------------------------------------------------------------------


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"


# Pages never need the Growatt secrets: not loading them means not decrypting them on every view.
SECRET_ACCOUNT_FIELDS = ("account__password", "account__session_data")


class PlantQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Plants the person owns (through a Growatt account) or that were shared with them."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(Q(account__owner=user) | Q(memberships__user=user)).distinct()

    def editable_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(account__owner=user) | Q(memberships__user=user, memberships__role=Role.EDITOR)
        ).distinct()

    def for_cards(self):
        return self.select_related("account", "account__owner").defer(*SECRET_ACCOUNT_FIELDS)


class Plant(models.Model):
    account = models.ForeignKey(GrowattAccount, on_delete=models.CASCADE, related_name="plants")
    growatt_id = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    timezone_from_user = models.BooleanField(default=False)
    nominal_power_w = models.FloatField(null=True, blank=True)
    currency = models.CharField(max_length=16, blank=True)
    money_per_kwh = models.FloatField(null=True, blank=True)
    co2_kg_per_kwh = models.FloatField(null=True, blank=True)
    country = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=100, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    settings_reply = models.JSONField(default=dict, blank=True)

    # Latest live values, denormalised so the home page needs one query for all cards.
    live_at = models.DateTimeField(null=True, blank=True)
    live_pv_w = models.FloatField(null=True, blank=True)
    live_load_w = models.FloatField(null=True, blank=True)
    live_grid_import_w = models.FloatField(null=True, blank=True)
    live_grid_export_w = models.FloatField(null=True, blank=True)
    live_battery_charge_w = models.FloatField(null=True, blank=True)
    live_battery_discharge_w = models.FloatField(null=True, blank=True)
    live_soc = models.FloatField(null=True, blank=True)
    today_pv_kwh = models.FloatField(null=True, blank=True)
    total_pv_kwh = models.FloatField(null=True, blank=True)
    # Moves whenever the sync (or anything else) writes the plant's devices, samples or daily
    # energy: the plant page's cached body is keyed on it (plants.views_dashboard.plant_body).
    data_version = models.PositiveBigIntegerField(default=0, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)

    objects = PlantQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["account", "growatt_id"], name="plant_unique_per_account")]

    def __str__(self) -> str:
        return self.name

    @property
    def owner(self):
        return self.account.owner

    @property
    def tz(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def local_now(self) -> dt.datetime:
        return timezone.now().astimezone(self.tz)

    def local_today(self) -> dt.date:
        return self.local_now().date()

    def data_changed(self) -> None:
        """Note that rows hanging off this plant (devices, samples, daily energy) changed.

        Bumps ``data_version`` in the database and on this instance, so a later ``save()`` of
        the same instance keeps the new number."""
        Plant.objects.filter(pk=self.pk).update(data_version=models.F("data_version") + 1)
        self.data_version += 1

    def day_bounds(self, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
        """UTC start (inclusive) and end (exclusive) of a plant-local day, DST-aware."""
        start = dt.datetime.combine(day, dt.time(), tzinfo=self.tz)
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=self.tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def role_for(self, user) -> str | None:
        if not user.is_authenticated:
            return None
        if self.account.owner_id == user.pk:
            return Role.OWNER
        membership = self.memberships.filter(user=user).first()
        return membership.role if membership else None

    @property
    def is_stale(self) -> bool:
        return self.live_at is None or timezone.now() - self.live_at > dt.timedelta(minutes=15)


class PlantMembership(models.Model):
    """A person a plant is shared with, and what they may do."""

    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plant_memberships")
    role = models.CharField(max_length=10, choices=[(Role.EDITOR, "Editor"), (Role.VIEWER, "Viewer")],
                            default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plant", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} {self.role} of {self.plant}"


class _PlantLookup:
    """The SQL behind ``get_plant_for_user``, written once from the models' metadata.

    The same statement as ``Plant.objects.select_related("account", "account__owner")
    .defer(<secrets>).annotate(member_role=<membership subquery>).filter(pk=pk)``, but the ORM
    builds and compiles that queryset anew on every request, which cost more than running it
    (1.1 ms of the plant page's ~4 ms, benchmarks/web_load.py). Column lists come from ``_meta``,
    so a new field is picked up; the instances are built with ``from_db`` as the ORM would.
    """

    def __init__(self) -> None:
        from django.contrib.auth import get_user_model

        self.secret = {name.split("__", 1)[1] for name in SECRET_ACCOUNT_FIELDS}
        self.models = (
            (Plant, list(Plant._meta.concrete_fields)),
            (GrowattAccount, [f for f in GrowattAccount._meta.concrete_fields if f.name not in self.secret]),
            (get_user_model(), [f for f in get_user_model()._meta.concrete_fields if f.name != "password"]),
        )
        self._sql: dict[str, str] = {}

    def sql(self, connection) -> str:
        if connection.vendor not in self._sql:
            q = connection.ops.quote_name
            tables = [model._meta.db_table for model, _ in self.models]
            columns = ", ".join(f"t{i}.{q(f.column)}" for i, (_, fields) in enumerate(self.models) for f in fields)
            m = PlantMembership._meta
            user_model = self.models[2][0]
            role = (f"(SELECT m.{q(m.get_field('role').column)} FROM {q(m.db_table)} m"  # noqa: S608
                    f" WHERE m.{q(m.get_field('plant').column)} = t0.{q(Plant._meta.pk.column)}"
                    f" AND m.{q(m.get_field('user').column)} = %s LIMIT 1)")
            joins = (f"{q(tables[0])} t0"
                     f" INNER JOIN {q(tables[1])} t1 ON t1.{q(GrowattAccount._meta.pk.column)}"
                     f" = t0.{q(Plant._meta.get_field('account').column)}"
                     f" INNER JOIN {q(tables[2])} t2 ON t2.{q(user_model._meta.pk.column)}"
                     f" = t1.{q(GrowattAccount._meta.get_field('owner').column)}")
            # Identifiers from the models' metadata, quoted; the two values are parameters.
            where = f"t0.{q(Plant._meta.pk.column)} = %s"
            self._sql[connection.vendor] = f"SELECT {columns}, {role} FROM {joins} WHERE {where}"  # noqa: S608
        return self._sql[connection.vendor]

    def fetch(self, pk: int, user_id: int) -> tuple[Plant, str | None] | None:
        from django.db import connections, router

        db = router.db_for_read(Plant)
        connection = connections[db]
        with connection.cursor() as cursor:
            cursor.execute(self.sql(connection), [user_id, pk])
            row = cursor.fetchone()
        if row is None:
            return None
        instances, at = [], 0
        for model, fields in self.models:
            instances.append(self._build(model, fields, row[at:at + len(fields)], connection, db))
            at += len(fields)
        plant, account, owner = instances
        GrowattAccount._meta.get_field("owner").set_cached_value(account, owner)
        Plant._meta.get_field("account").set_cached_value(plant, account)
        return plant, row[at]

    @staticmethod
    def _build(model, fields, values, connection, db):
        converted = []
        for field, value in zip(fields, values, strict=True):
            column = field.cached_col  # what the ORM's compiler converts with: backend first, then the field
            for converter in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
                value = converter(value, column, connection)
            converted.append(value)
        return model.from_db(db, [f.attname for f in fields], converted)


_plant_lookup: _PlantLookup | None = None


def get_plant_for_user(request, pk) -> tuple[Plant, str]:
    """The one door to a plant: strangers get 404, everyone else the plant and their role.

    One query on every plant page and JSON endpoint: the plant by key with its account and
    owner, and the person's membership role alongside (see ``_PlantLookup``)."""
    global _plant_lookup
    user = request.user
    if not user.is_authenticated:
        raise Http404("No such plant.")
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("No such plant.") from None
    if _plant_lookup is None:
        _plant_lookup = _PlantLookup()
    found = _plant_lookup.fetch(pk, user.pk)
    if found is None:
        raise Http404("No such plant.")
    plant, member_role = found
    role = Role.OWNER if plant.account.owner_id == user.pk else member_role
    if role is None:
        raise Http404("No such plant.")
    return plant, role


def get_plant_for_edit(request, pk) -> tuple[Plant, str]:
    """Like get_plant_for_user, but viewers get 403: only owners and editors change things."""
    plant, role = get_plant_for_user(request, pk)
    if role not in (Role.OWNER, Role.EDITOR):
        raise PermissionDenied("You may look at this plant but not change it.")
    return plant, role


def get_plant_for_owner(request, pk) -> Plant:
    plant, role = get_plant_for_user(request, pk)
    if role != Role.OWNER:
        raise PermissionDenied("Only the plant's owner may do this.")
    return plant


# --------------------------------------------------------------------------------------
# Devices
# --------------------------------------------------------------------------------------


class Device(models.Model):
    class Kind(models.TextChoices):
        INVERTER = "inverter", "PV inverter"
        TLX = "tlx", "MIN/TLX inverter"
        MIX = "mix", "SPH hybrid (mix)"
        SPA = "spa", "AC-coupled (spa)"
        STORAGE = "storage", "Off-grid storage (SPF)"
        OTHER = "other", "Other"

    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="devices")
    serial = models.CharField(max_length=40)
    alias = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    growatt_type = models.CharField(max_length=20, blank=True)
    datalogger_serial = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=40, blank=True)
    lost = models.BooleanField(default=False)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    detail = models.JSONField(default=dict, blank=True)
    detail_at = models.DateTimeField(null=True, blank=True)
    # Typed key values pulled out of the detail reply.
    pv_power_w = models.FloatField(null=True, blank=True)
    ac_power_w = models.FloatField(null=True, blank=True)
    soc = models.FloatField(null=True, blank=True)
    battery_voltage = models.FloatField(null=True, blank=True)
    grid_voltage = models.FloatField(null=True, blank=True)
    grid_frequency = models.FloatField(null=True, blank=True)
    temperature = models.FloatField(null=True, blank=True)
    energy_today_kwh = models.FloatField(null=True, blank=True)
    energy_total_kwh = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["kind", "serial"]
        constraints = [models.UniqueConstraint(fields=["plant", "serial"], name="device_unique_per_plant")]

    def __str__(self) -> str:
        return self.alias or self.serial

    @property
    def has_battery(self) -> bool:
        return self.kind in (self.Kind.MIX, self.Kind.SPA, self.Kind.STORAGE, self.Kind.TLX)


# --------------------------------------------------------------------------------------
# Time series
# --------------------------------------------------------------------------------------

SAMPLE_FIELDS = ("pv_w", "load_w", "grid_import_w", "grid_export_w",
                 "battery_charge_w", "battery_discharge_w", "soc")
ENERGY_FIELDS = ("pv_kwh", "load_kwh", "import_kwh", "export_kwh", "charge_kwh", "discharge_kwh")


class SampleQuerySet(models.QuerySet):
    def between(self, start: dt.datetime, end: dt.datetime):
        return self.filter(ts__gte=start, ts__lt=end).order_by("ts")

    def for_day(self, plant: Plant, day: dt.date):
        start, end = plant.day_bounds(day)
        return self.filter(plant=plant).between(start, end)


class PowerSample(models.Model):
    """A plant's 5-minute power values (W) and battery state of charge (%)."""

    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="samples")
    ts = models.DateTimeField()
    pv_w = models.FloatField(null=True)
    load_w = models.FloatField(null=True)
    grid_import_w = models.FloatField(null=True)
    grid_export_w = models.FloatField(null=True)
    battery_charge_w = models.FloatField(null=True)
    battery_discharge_w = models.FloatField(null=True)
    soc = models.FloatField(null=True)

    objects = SampleQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plant", "ts"], name="sample_unique_plant_ts")]

    def __str__(self) -> str:
        return f"{self.plant_id}@{self.ts:%Y-%m-%d %H:%M}"


class DeviceSample(models.Model):
    """One device's 5-minute power curve (W) and SOC, for the device page."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="samples")
    ts = models.DateTimeField()
    power_w = models.FloatField(null=True)
    soc = models.FloatField(null=True)

    objects = SampleQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["device", "ts"], name="device_sample_unique")]

    def __str__(self) -> str:
        return f"{self.device_id}@{self.ts:%Y-%m-%d %H:%M}"


class DailyEnergyQuerySet(models.QuerySet):
    def for_month(self, plant: Plant, year: int, month: int):
        return self.filter(plant=plant, date__year=year, date__month=month).order_by("date")


class DailyEnergy(models.Model):
    """Energy per plant-local day (kWh). ``complete`` once fetched after the day ended."""

    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="daily_energy")
    date = models.DateField()
    pv_kwh = models.FloatField(null=True)
    load_kwh = models.FloatField(null=True)
    import_kwh = models.FloatField(null=True)
    export_kwh = models.FloatField(null=True)
    charge_kwh = models.FloatField(null=True)
    discharge_kwh = models.FloatField(null=True)
    samples = models.PositiveIntegerField(default=0)
    complete = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DailyEnergyQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plant", "date"], name="daily_unique_plant_date")]

    def __str__(self) -> str:
        return f"{self.plant_id} {self.date}"


# --------------------------------------------------------------------------------------
# Sharing: invitations and kiosk links (domain operations live in plants/sharing.py)
# --------------------------------------------------------------------------------------

SHARE_ROLES = [(Role.EDITOR, "Editor"), (Role.VIEWER, "Viewer")]


class InvitationQuerySet(models.QuerySet):
    def pending(self, now: dt.datetime | None = None):
        now = now or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now)


class Invitation(models.Model):
    """A single-use link that makes someone a member of a plant. Only the token's SHA-256 is stored."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(blank=True)
    # Set when the owner invited an existing user by name: then only that user may accept.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    role = models.CharField(max_length=10, choices=SHARE_ROLES, default=Role.VIEWER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"invitation to {self.plant_id} ({self.role})"

    def __repr__(self) -> str:  # never the token (we do not have it anyway)
        return f"<Invitation {self.pk} plant={self.plant_id} {self.status}>"

    @property
    def invitee(self) -> str:
        return self.user.get_username() if self.user_id else self.email

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING


class KioskLinkQuerySet(models.QuerySet):
    def active(self, now: dt.datetime | None = None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class KioskLink(models.Model):
    """A read-only, login-free view of one plant (the tablet on the kitchen wall). Token stored hashed."""

    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="kiosk_links")
    label = models.CharField(max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = KioskLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"kiosk link {self.label}"

    def __repr__(self) -> str:
        return f"<KioskLink {self.pk} plant={self.plant_id} {self.label!r}>"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())
