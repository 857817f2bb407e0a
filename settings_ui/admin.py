from django.contrib import admin

from settings_ui.models import Acknowledgement, SettingChange


@admin.register(SettingChange)
class SettingChangeAdmin(admin.ModelAdmin):
    """Read-only: the audit log is written by the settings pages and never edited."""

    list_display = ["created_at", "plant", "device", "user", "setting_type", "outcome", "readback"]
    list_filter = ["outcome", "readback", "setting_type"]
    search_fields = ["plant__name", "device__serial", "user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["user", "accepted_at"]
