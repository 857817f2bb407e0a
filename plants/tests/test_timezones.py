import pytest

from plants.timezones import infer_timezone


@pytest.mark.parametrize(("country", "offset", "lat", "lng", "zone"), [
    ("Germany", 1, 52.5, 13.4, "Europe/Berlin"),
    ("United Kingdom", 0, 51.5, -0.13, "Europe/London"),
    ("Australia", 10, -33.87, 151.2, "Australia/Sydney"),
    ("Australia", 10, -27.4, 153.0, "Australia/Brisbane"),
    ("Australia", 9.5, -12.4, 130.8, "Australia/Darwin"),
    ("Australia", 8, None, None, "Australia/Perth"),
    ("United States", -5, 42.08, -74.31, "America/New_York"),
    ("United States", -8, 37.7, -122.4, "America/Los_Angeles"),
    ("Atlantis", 3, None, None, "Etc/GMT-3"),
    ("", -4, None, None, "Etc/GMT+4"),
    ("", None, None, None, "UTC"),
    ("", 99, None, None, "UTC"),
    ("", -13, None, None, "UTC"),
])
def test_infer_timezone(country, offset, lat, lng, zone):
    assert infer_timezone(country=country, offset=offset, latitude=lat, longitude=lng) == zone
