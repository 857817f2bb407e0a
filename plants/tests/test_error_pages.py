import pytest

pytestmark = pytest.mark.django_db


def test_404_page_is_styled_and_plain(client, owner, settings):
    settings.DEBUG = False
    client.force_login(owner)
    response = client.get("/plants/999999/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Not found" in body and "Back to your plants" in body and "Traceback" not in body


def test_403_page_explains(client, owner, viewer, settings):
    from plants.tests.factories import make_plant, share

    settings.DEBUG = False
    plant = make_plant(owner)
    share(plant, viewer, "viewer")
    client.force_login(viewer)
    response = client.post(f"/plants/{plant.pk}/timezone/", {"timezone": "Europe/Paris"})
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()


def test_500_page_needs_no_context(settings):
    from django.template.loader import get_template

    html = get_template("500.html").render({})
    assert "Something went wrong" in html
