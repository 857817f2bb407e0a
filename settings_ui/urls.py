"""Settings pages of one plant, mounted under /settings/."""

from django.urls import path

from settings_ui import views

app_name = "settings_ui"

device = "plants/<int:pk>/devices/<int:device_pk>"
# The three schedule kinds share views; the URL segment names the kind (settings_ui.schedules.KINDS).
schedule = device + "/<slug:slug>"

urlpatterns = [
    path("plants/<int:pk>/", views.plant_settings, name="plant_settings"),
    path("plants/<int:pk>/preview/", views.plant_settings_preview, name="plant_settings_preview"),
    path("plants/<int:pk>/confirm/", views.plant_settings_confirm, name="plant_settings_confirm"),
    path("plants/<int:pk>/schedules/", views.schedules, name="schedules"),
    path(device + "/clock/", views.clock, name="clock"),
    path(device + "/clock/preview/", views.clock_preview, name="clock_preview"),
    path(device + "/clock/confirm/", views.clock_confirm, name="clock_confirm"),
    path(schedule + "/", views.schedule_edit, name="schedule_edit"),
    path(schedule + "/preview/", views.schedule_preview, name="schedule_preview"),
    path(schedule + "/confirm/", views.schedule_confirm, name="schedule_confirm"),
    path("plants/<int:pk>/audit/", views.audit_log, name="audit_log"),
    path("plants/<int:pk>/audit/<int:entry_pk>/", views.audit_entry, name="audit_entry"),
    path("plants/<int:pk>/audit/<int:entry_pk>/recheck/", views.audit_recheck, name="audit_recheck"),
    path("plants/<int:pk>/audit/<int:entry_pk>/revert/", views.audit_revert, name="audit_revert"),
]
