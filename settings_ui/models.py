"""The audit log of every setting growattweb wrote to Growatt, and who read the warning first.

A row is created *before* the request goes out (outcome ``pending``), so even a crash between
sending and recording leaves a trace; it is then completed with the reply and the read-back.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from plants.models import Device, Plant

PLANT_SETTINGS = "plant_settings"
CLOCK = "pf_sys_year"
MIX_CHARGE = "mix_ac_charge_time_period"
MIX_DISCHARGE = "mix_ac_discharge_time_period"
SPA_CHARGE = "spa_ac_charge_time_period"

SETTING_LABELS = {
    PLANT_SETTINGS: "Plant settings",
    CLOCK: "Inverter clock",
    MIX_CHARGE: "AC charge schedule",
    MIX_DISCHARGE: "Discharge schedule",
    SPA_CHARGE: "AC charge schedule (AC-coupled)",
}


def new_token() -> str:
    return secrets.token_hex(16)


class SettingChangeQuerySet(models.QuerySet):
    def for_log(self, plant: Plant):
        """The change-log page of one plant: newest first, people and devices joined in."""
        return self.filter(plant=plant).select_related("user", "device").order_by("-created_at", "-pk")

    def last_applied(self, device: Device, setting_type: str):
        """The newest change of this setting that Growatt accepted (or may have accepted)."""
        return (
            self.filter(device=device, setting_type=setting_type,
                        outcome__in=[SettingChange.Outcome.SUCCESS, SettingChange.Outcome.UNKNOWN])
            .order_by("-created_at", "-pk")
            .first()
        )


class SettingChange(models.Model):
    """One write to Growatt: what, by whom, from what to what, the exact request, the answer."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "Sending"
        SUCCESS = "success", "Accepted"
        REJECTED = "rejected", "Rejected"
        UNKNOWN = "unknown", "Outcome unknown"
        ERROR = "error", "Not sent"

    class ReadBack(models.TextChoices):
        NONE = "", "Not checked"
        MATCHED = "matched", "Matches"
        DIFFERS = "differs", "Differs"
        UNAVAILABLE = "unavailable", "Unavailable"

    plant = models.ForeignKey(Plant, on_delete=models.CASCADE, related_name="setting_changes")
    device = models.ForeignKey(Device, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="setting_changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="setting_changes")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    setting_type = models.CharField(max_length=60)
    # Values in the shape of settings_ui.values (schedules as dicts, plant settings as field -> value).
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    # Exactly what went to Growatt: the param list of a newTcpsetAPI write or the plant form fields.
    params = models.JSONField(default=list, blank=True)
    reply = models.JSONField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    message = models.TextField(blank=True)
    readback = models.CharField(max_length=12, choices=ReadBack.choices, default=ReadBack.NONE, blank=True)
    readback_value = models.JSONField(null=True, blank=True)
    readback_at = models.DateTimeField(null=True, blank=True)
    reverts = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="reverted_by")
    # One confirm click, one row: a second POST of the same preview finds this and sends nothing.
    token = models.CharField(max_length=40, unique=True, default=new_token)

    objects = SettingChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["plant", "-created_at"]),
                   models.Index(fields=["device", "setting_type", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.label} on {self.created_at:%Y-%m-%d %H:%M} ({self.outcome})"

    @property
    def label(self) -> str:
        return SETTING_LABELS.get(self.setting_type, self.setting_type)

    @property
    def is_schedule(self) -> bool:
        return self.setting_type in (MIX_CHARGE, MIX_DISCHARGE, SPA_CHARGE)

    @property
    def can_revert(self) -> bool:
        """Schedules and plant settings can be put back to what they were before this change."""
        return (
            self.setting_type in (MIX_CHARGE, MIX_DISCHARGE, SPA_CHARGE, PLANT_SETTINGS)
            and bool(self.old_value)
            and self.outcome in (self.Outcome.SUCCESS, self.Outcome.UNKNOWN)
            and (self.device_id is not None or self.setting_type == PLANT_SETTINGS)
        )

    @property
    def param_pairs(self) -> list[tuple[str, str]]:
        """``[("param1", "100"), ...]`` or the plant form's field/value pairs, for display."""
        if isinstance(self.params, dict):
            return [(str(k), str(v)) for k, v in self.params.items()]
        return [(f"param{i}", str(v)) for i, v in enumerate(self.params or [], start=1)]


class Acknowledgement(models.Model):
    """A person read the "writes go to your real inverter" warning (shown before their first preview)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="settings_acknowledgement")
    accepted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user} accepted on {self.accepted_at:%Y-%m-%d}"

    @classmethod
    def has_accepted(cls, user) -> bool:
        return cls.objects.filter(user=user).exists()

    @classmethod
    def accept(cls, user) -> None:
        cls.objects.get_or_create(user=user)
