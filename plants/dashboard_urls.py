"""Dashboard pages, chart endpoints, live values and CSV export of one plant."""

from django.urls import path

from plants import views_dashboard as views

urlpatterns = [
    path("plants/<int:pk>/", views.plant_detail, name="plant_detail"),
    path("plants/<int:pk>/live.json", views.plant_live, name="plant_live"),
    path("plants/<int:pk>/chart/day.json", views.plant_chart_day, name="plant_chart_day"),
    path("plants/<int:pk>/chart/month.json", views.plant_chart_month, name="plant_chart_month"),
    path("plants/<int:pk>/chart/year.json", views.plant_chart_year, name="plant_chart_year"),
    path("plants/<int:pk>/export.csv", views.plant_export_csv, name="plant_export_csv"),
    path("plants/<int:pk>/timezone/", views.plant_timezone, name="plant_timezone"),
    path("plants/<int:pk>/devices/<int:device_pk>/", views.device_detail, name="device_detail"),
    path("plants/<int:pk>/devices/<int:device_pk>/chart/day.json", views.device_chart_day,
         name="device_chart_day"),
]
