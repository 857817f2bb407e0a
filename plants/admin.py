from django.contrib import admin

from plants.models import DailyEnergy, Device, GrowattAccount, GrowattLogin, Plant, PlantMembership, SyncRun


@admin.register(GrowattAccount)
class GrowattAccountAdmin(admin.ModelAdmin):
    # The password and the session cookies are never shown or editable here.
    fields = ["owner", "label", "server_url", "username", "enabled", "state", "last_error", "last_error_at",
              "locked_until", "consecutive_failures", "last_sync_at", "last_success_at", "next_sync_at",
              "discovered_at"]
    readonly_fields = ["state", "last_error", "last_error_at", "locked_until", "consecutive_failures",
                       "last_sync_at", "last_success_at", "discovered_at"]
    list_display = ["label", "owner", "username", "server_url", "state", "last_sync_at", "next_sync_at"]
    list_filter = ["state", "enabled"]
    search_fields = ["label", "username", "owner__username"]

    def get_queryset(self, request):
        # Never decrypted here (and the list keeps working if FIELD_ENCRYPTION_KEYS cannot open them).
        return super().get_queryset(request).defer("password", "session_data")

    def has_add_permission(self, request):
        # New accounts come through the web form or `manage.py growatt_account add`,
        # both of which take the password without ever echoing it.
        return False


@admin.register(GrowattLogin)
class GrowattLoginAdmin(admin.ModelAdmin):
    list_display = ["account", "at", "ok", "reason", "result"]
    list_filter = ["ok", "reason"]


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["account", "started_at", "finished_at", "outcome", "requests", "logins", "days_backfilled"]
    list_filter = ["outcome"]


class DeviceInline(admin.TabularInline):
    model = Device
    fields = ["serial", "alias", "kind", "status", "lost", "last_seen_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Plant)
class PlantAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "growatt_id", "timezone", "live_at"]
    search_fields = ["name", "growatt_id"]
    exclude = ["settings_reply"]
    inlines = [DeviceInline]


admin.site.register(PlantMembership)
admin.site.register(DailyEnergy)
