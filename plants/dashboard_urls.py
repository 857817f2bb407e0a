"""Dashboard pages, chart endpoints and CSV export (the dashboards issue fills this in)."""

urlpatterns: list = []
