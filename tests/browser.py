"""The shared Playwright harness (filled in by the dashboards work)."""
