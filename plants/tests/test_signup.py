import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_open_signup_is_off_by_default(client):
    response = client.get(reverse("signup"))
    assert response.status_code == 404
    assert "Sign-up is closed" in response.content.decode()
    client.post(reverse("signup"), {"username": "x", "email": "x@example.com", "password1": "Very-long-pw-42",
                                    "password2": "Very-long-pw-42"})
    assert not get_user_model().objects.filter(username="x").exists()
    assert "Create an account" not in client.get(reverse("login")).content.decode()


def test_open_signup_creates_an_account_and_logs_in(client, settings):
    settings.OPEN_SIGNUP = True
    assert "Create an account" in client.get(reverse("login")).content.decode()
    weak = client.post(reverse("signup"), {"username": "newbie", "email": "n@example.com", "password1": "123",
                                           "password2": "123"})
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    response = client.post(reverse("signup"), {"username": "newbie", "email": "n@example.com",
                                               "password1": "Very-long-pw-42", "password2": "Very-long-pw-42"})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert get_user_model().objects.get(username="newbie").email == "n@example.com"


def test_password_reset_sends_a_link_that_works(client, owner, mailoutbox):
    client.post(reverse("password_reset"), {"email": owner.email})
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "Reset" in mailoutbox[0].subject
    link = next(word for word in body.split() if "/accounts/reset/" in word)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path, follow=True)
    assert "Choose a new password" in page.content.decode()
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else "/" + path
    done = client.post(form_url, {"new_password1": "Another-long-pw-77", "new_password2": "Another-long-pw-77"})
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Another-long-pw-77")
