"""Sharing a plant: invitations, roles, leaving, revocation and cascades."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from plants import sharing
from plants.models import GrowattAccount, Invitation, KioskLink, Plant, PlantMembership, Role
from plants.tests.factories import make_account, make_plant, share

pytestmark = pytest.mark.django_db

TOKEN_IN_URL = re.compile(r"/invite/([A-Za-z0-9_-]{40,})/")


@pytest.fixture
def plant(owner):
    return make_plant(owner, name="Sunny Roof", devices=2)


def share_url(plant):
    return reverse("plant_share", args=[plant.pk])


def invite_by_post(client, owner, plant, who, role="viewer"):
    client.force_login(owner)
    response = client.post(share_url(plant), {"who": who, "role": role})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(share_url(plant)).content.decode()
    match = TOKEN_IN_URL.search(page)
    assert match, "the share page shows the new link"
    return match.group(1), page


# --- inviting -----------------------------------------------------------------------------------


def test_invite_by_email_stores_only_the_hash_and_mails_the_link(client, owner, plant):
    token, page = invite_by_post(client, owner, plant, "grandma@example.com")
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Invitation.objects.values().get())
    assert invitation.email == "grandma@example.com" and invitation.role == Role.VIEWER
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["grandma@example.com"]
    assert f"/invite/{token}/" in mail.outbox[0].body
    assert "Sunny Roof" in mail.outbox[0].subject
    assert "grandma@example.com" in page


def test_a_mail_server_failure_keeps_the_invitation_and_shows_the_link(client, owner, plant, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr(sharing, "send_mail", refuse)
    client.force_login(owner)
    response = client.post(share_url(plant), {"who": "grandma@example.com", "role": "viewer"}, follow=True)
    page = response.content.decode()
    assert "the email could not be sent" in page
    assert TOKEN_IN_URL.search(page)
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_new_link_is_shown_once(client, owner, plant):
    invite_by_post(client, owner, plant, "grandma@example.com")
    again = client.get(share_url(plant)).content.decode()
    assert not TOKEN_IN_URL.search(again)
    assert "grandma@example.com" in again  # still listed as pending


def test_invite_unknown_username_explains_and_keeps_the_input(client, owner, plant):
    client.force_login(owner)
    response = client.post(share_url(plant), {"who": "nobody-here", "role": "editor"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is no user named “nobody-here”" in page
    assert 'value="nobody-here"' in page
    assert not Invitation.objects.exists()


def test_invite_existing_member_points_to_the_role_list(client, owner, viewer, plant):
    share(plant, viewer)
    client.force_login(owner)
    response = client.post(share_url(plant), {"who": viewer.username, "role": "editor"})
    assert "already has access as viewer" in response.content.decode()
    assert not Invitation.objects.exists()


def test_invite_yourself_is_refused(client, owner, plant):
    client.force_login(owner)
    response = client.post(share_url(plant), {"who": owner.email, "role": "viewer"})
    assert "you own this plant already" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_new_invitation_replaces_the_pending_one_for_the_same_address(owner, plant):
    first, first_token = sharing.invite(plant, created_by=owner, role=Role.VIEWER, email="kid@example.com")
    second, _ = sharing.invite(plant, created_by=owner, role=Role.EDITOR, email="KID@example.com")
    first.refresh_from_db()
    assert first.status == Invitation.Status.REVOKED
    assert second.status == Invitation.Status.PENDING


# --- accepting ------------------------------------------------------------------------------------


def test_invitee_signs_up_through_the_link_and_becomes_a_viewer(client, owner, plant):
    token, _ = invite_by_post(client, owner, plant, "grandma@example.com")
    client.logout()
    page = client.get(f"/invite/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sunny Roof" in html and 'value="grandma@example.com"' in html
    assert plant.account.username not in html and plant.account.server_url not in html
    response = client.post(f"/invite/{token}/", {
        "username": "grandma", "email": "grandma@example.com",
        "password1": "sunflower-tea-42", "password2": "sunflower-tea-42",
    })
    assert response.status_code == 302
    grandma = get_user_model().objects.get(username="grandma")
    assert PlantMembership.objects.get(plant=plant, user=grandma).role == Role.VIEWER
    assert Invitation.objects.get().accepted_by == grandma
    home = client.get(reverse("home")).content.decode()  # logged in by the sign-up
    assert "Sunny Roof" in home and f"shared by {owner.username}" in home


def test_signup_applies_the_password_validators_and_loses_nothing(client, owner, plant):
    invitation, token = sharing.invite(plant, created_by=owner, role=Role.VIEWER, email="kid@example.com")
    response = client.post(f"/invite/{token}/", {
        "username": "kid", "email": "kid@example.com", "password1": "12345678", "password2": "12345678",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "This password is too common" in html
    assert 'value="kid"' in html
    assert not get_user_model().objects.filter(username="kid").exists()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_signup_rejects_a_taken_username(client, owner, viewer, plant):
    _, token = sharing.invite(plant, created_by=owner, role=Role.VIEWER, email="v2@example.com")
    response = client.post(f"/invite/{token}/", {
        "username": viewer.username.upper(), "email": "v2@example.com",
        "password1": "sunflower-tea-42", "password2": "sunflower-tea-42",
    })
    assert "already exists" in response.content.decode()
    assert not PlantMembership.objects.exists()


def test_existing_user_logs_in_and_accepts(client, owner, editor, plant):
    _, token = sharing.invite(plant, created_by=owner, role=Role.EDITOR, email="someone@example.com")
    anonymous = client.get(f"/invite/{token}/").content.decode()
    assert f"/accounts/login/?next=/invite/{token}/" in anonymous
    client.force_login(editor)
    page = client.get(f"/invite/{token}/").content.decode()
    assert "logged in as <strong>edith</strong>" in page
    response = client.post(f"/invite/{token}/")
    assert response.status_code == 302
    assert plant.role_for(editor) == Role.EDITOR


def test_invitation_to_a_username_only_works_for_that_user(client, owner, viewer, stranger, plant):
    _, token = sharing.invite(plant, created_by=owner, role=Role.VIEWER, user=viewer)
    assert "signup" not in client.get(f"/invite/{token}/").content.decode().lower().replace("sign-up", "")
    client.force_login(stranger)
    response = client.post(f"/invite/{token}/")
    assert response.status_code == 403
    assert "not the one you are logged in with" in response.content.decode()
    assert plant.role_for(stranger) is None
    client.force_login(viewer)
    assert client.post(f"/invite/{token}/").status_code == 302
    assert plant.role_for(viewer) == Role.VIEWER


def test_owner_opening_their_own_invitation_changes_nothing(client, owner, plant):
    invitation, token = sharing.invite(plant, created_by=owner, role=Role.VIEWER, email="x@example.com")
    client.force_login(owner)
    response = client.post(f"/invite/{token}/")
    assert response.status_code == 200
    assert "You own this plant" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING
    assert not PlantMembership.objects.exists()


# --- unusable links: clear message, nothing granted -------------------------------------------------


def _assert_grants_nothing(client, token, plant, status, text):
    users_before = get_user_model().objects.count()
    anonymous_get = client.get(f"/invite/{token}/")
    assert anonymous_get.status_code == status
    assert text in anonymous_get.content.decode()
    assert "Create account" not in anonymous_get.content.decode()
    signup = client.post(f"/invite/{token}/", {
        "username": "latecomer", "email": "late@example.com",
        "password1": "sunflower-tea-42", "password2": "sunflower-tea-42",
    })
    assert signup.status_code == status
    assert get_user_model().objects.count() == users_before
    return anonymous_get


def test_expired_invitation_shows_a_clear_message_and_grants_nothing(client, owner, stranger, plant):
    invitation, token = sharing.invite(plant, created_by=owner, role=Role.EDITOR, email="late@example.com",
                                       now=timezone.now() - dt.timedelta(days=7, minutes=1))
    _assert_grants_nothing(client, token, plant, 410, "This invitation expired on")
    client.force_login(stranger)
    response = client.post(f"/invite/{token}/")
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert plant.role_for(stranger) is None
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_reused_invitation_shows_a_clear_message_and_grants_nothing(client, owner, viewer, stranger, plant):
    _, token = sharing.invite(plant, created_by=owner, role=Role.EDITOR, email="v@example.com")
    client.force_login(viewer)
    assert client.post(f"/invite/{token}/").status_code == 302
    client.logout()
    _assert_grants_nothing(client, token, plant, 410, "already been used")
    client.force_login(stranger)
    response = client.post(f"/invite/{token}/")
    assert response.status_code == 410 and "already been used" in response.content.decode()
    assert plant.role_for(stranger) is None


def test_revoked_invitation_shows_a_clear_message_and_grants_nothing(client, owner, stranger, plant):
    invitation, token = sharing.invite(plant, created_by=owner, role=Role.VIEWER, email="s@example.com")
    client.force_login(owner)
    response = client.post(reverse("plant_invitation_revoke", args=[plant.pk, invitation.pk]))
    assert response.status_code == 302
    client.logout()
    _assert_grants_nothing(client, token, plant, 410, "withdrawn by the plant")
    client.force_login(stranger)
    assert client.post(f"/invite/{token}/").status_code == 410
    assert plant.role_for(stranger) is None


def test_unknown_token_is_404_with_a_message(client):
    response = client.get("/invite/not-a-real-token/")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


def test_an_invitation_is_accepted_only_once_even_when_two_people_race(owner, viewer, stranger, plant):
    invitation, token = sharing.invite(plant, created_by=owner, role=Role.VIEWER, email="v@example.com")
    first = sharing.find_invitation(token)
    second = sharing.find_invitation(token)  # loaded before the first accept, as in a concurrent request
    sharing.accept_invitation(first, viewer)
    with pytest.raises(sharing.InvitationUnusable) as exc:
        sharing.accept_invitation(second, stranger)
    assert exc.value.reason == "used"
    assert plant.role_for(stranger) is None


# --- owner manages people ------------------------------------------------------------------------------


def test_owner_changes_a_role_and_removes_a_member(client, owner, viewer, plant):
    membership = share(plant, viewer)
    client.force_login(owner)
    response = client.post(reverse("plant_member_role", args=[plant.pk, membership.pk]), {"role": "editor"})
    assert response.status_code == 302
    assert plant.role_for(viewer) == Role.EDITOR
    bad = client.post(reverse("plant_member_role", args=[plant.pk, membership.pk]), {"role": "owner"})
    assert bad.status_code == 302
    assert plant.role_for(viewer) == Role.EDITOR
    client.post(reverse("plant_member_remove", args=[plant.pk, membership.pk]))
    assert plant.role_for(viewer) is None


def test_a_membership_of_another_plant_cannot_be_reached_through_my_plant(client, owner, stranger, viewer, plant):
    other = make_plant(stranger, name="Stan's Shed")
    theirs = share(other, viewer)
    client.force_login(owner)
    assert client.post(reverse("plant_member_remove", args=[plant.pk, theirs.pk])).status_code == 404
    assert client.post(reverse("plant_member_role", args=[plant.pk, theirs.pk]), {"role": "editor"}).status_code == 404
    assert other.role_for(viewer) == Role.VIEWER


def test_editor_cannot_share(client, owner, editor, plant):
    share(plant, editor, Role.EDITOR)
    client.force_login(editor)
    assert client.get(share_url(plant)).status_code == 403
    assert client.post(share_url(plant), {"who": "x@example.com", "role": "editor"}).status_code == 403
    assert client.post(reverse("plant_kiosk_create", args=[plant.pk]), {"label": "x"}).status_code == 403
    assert not Invitation.objects.exists() and not KioskLink.objects.exists()


def test_share_page_lists_members_invitations_and_kiosk_links(client, owner, viewer, editor, plant,
                                                                django_assert_num_queries, session_queries):
    share(plant, viewer)
    share(plant, editor, Role.EDITOR)
    sharing.invite(plant, created_by=owner, role=Role.VIEWER, email="aunt@example.com")
    sharing.create_kiosk_link(plant, label="Kitchen tablet", created_by=owner)
    client.force_login(owner)
    # (session,) user, plant (+account+owner), members, invitations, kiosk links
    with django_assert_num_queries(session_queries + 5):
        page = client.get(share_url(plant)).content.decode()
    for text in ("victor", "edith", "aunt@example.com", "Kitchen tablet"):
        assert text in page


# --- leaving and cascades ---------------------------------------------------------------------------------


def test_member_leaves_a_plant(client, viewer, plant):
    share(plant, viewer)
    client.force_login(viewer)
    assert client.get(reverse("plant_leave", args=[plant.pk])).status_code == 200
    response = client.post(reverse("plant_leave", args=[plant.pk]))
    assert response.status_code == 302
    assert plant.role_for(viewer) is None
    client.get(reverse("home"))  # shows (and uses up) the "you no longer see" message
    assert "Sunny Roof" not in client.get(reverse("home")).content.decode()


def test_owner_cannot_leave_their_own_plant(client, owner, plant):
    client.force_login(owner)
    assert client.post(reverse("plant_leave", args=[plant.pk])).status_code == 403


def test_deleting_the_growatt_account_removes_memberships_invitations_and_kiosk_links(client, owner, viewer,
                                                                                      plant):
    share(plant, viewer)
    sharing.invite(plant, created_by=owner, role=Role.VIEWER, email="a@example.com")
    _, kiosk_token = sharing.create_kiosk_link(plant, label="Wall", created_by=owner)
    client.force_login(owner)
    response = client.post(reverse("account_delete", args=[plant.account.pk]))
    assert response.status_code == 302
    assert not Plant.objects.exists()
    assert not PlantMembership.objects.exists()
    assert not Invitation.objects.exists()
    assert not KioskLink.objects.exists()
    assert client.get(f"/kiosk/{kiosk_token}/").status_code == 404


def test_deleting_a_plant_removes_its_memberships_and_kiosk_links(owner, viewer, plant):
    other = make_plant(account=plant.account, name="Garage")
    share(plant, viewer)
    share(other, viewer)
    sharing.create_kiosk_link(plant, label="Wall", created_by=owner)
    sharing.create_kiosk_link(other, label="Garage screen", created_by=owner)
    plant.delete()
    assert list(PlantMembership.objects.values_list("plant__name", flat=True)) == ["Garage"]
    assert list(KioskLink.objects.values_list("label", flat=True)) == ["Garage screen"]


def test_deleting_the_owner_removes_everything_shared(owner, viewer, plant):
    share(plant, viewer)
    sharing.create_kiosk_link(plant, label="Wall", created_by=owner)
    owner.delete()
    assert not GrowattAccount.objects.exists()
    assert not PlantMembership.objects.exists() and not KioskLink.objects.exists()


# --- what members see ----------------------------------------------------------------------------------------


def test_member_sees_the_shared_plant_marked_with_the_owner_but_never_the_owner_accounts(client, owner, viewer,
                                                                                       plant):
    share(plant, viewer)
    make_plant(owner, name="Holiday Flat")  # another plant of the owner, not shared
    plant.account.state = GrowattAccount.State.BAD_CREDENTIALS
    plant.account.label = "Olivia's Growatt login"
    plant.account.save()
    client.force_login(viewer)
    home = client.get(reverse("home")).content.decode()
    assert "Sunny Roof" in home and "shared by olivia" in home
    assert "Holiday Flat" not in home
    assert "Fix the credentials" not in home and "Olivia" not in home
    accounts = client.get(reverse("account_list")).content.decode()
    assert plant.account.username not in accounts
    for name in ("account_detail", "account_delete"):
        assert client.get(reverse(name, args=[plant.account.pk])).status_code == 404
    for name in ("account_test", "account_credentials", "account_sync_now", "account_delete"):
        assert client.post(reverse(name, args=[plant.account.pk])).status_code == 404
    assert GrowattAccount.objects.filter(pk=plant.account.pk).exists()


def test_members_only_see_plants_shared_with_them(owner, viewer, stranger, plant):
    share(plant, viewer)
    make_plant(account=make_account(stranger), name="Stan's Shed")
    assert list(Plant.objects.visible_to(viewer)) == [plant]


@pytest.mark.parametrize(("role", "sees_parameters"), [(Role.VIEWER, False), (Role.EDITOR, True), ("owner", True)])
def test_change_log_shows_parameters_and_replies_only_to_those_who_may_change_settings(
        client, owner, make_user, plant, role, sees_parameters):
    from settings_ui.models import SettingChange

    entry = SettingChange.objects.create(
        plant=plant, device=plant.devices.first(), user=owner, setting_type="mix_ac_charge_time_period",
        new_value={"power": 80, "stop_soc": 95, "ac_charge": True, "slots": []},
        params=["param-marker-7731", "95", "1"], reply={"msg": "reply-marker-9917"}, outcome="success",
    )
    person = owner if role == "owner" else make_user(f"member-{role}")
    if role != "owner":
        share(plant, person, role)
    client.force_login(person)
    pages = [client.get(reverse("settings_ui:audit_log", args=[plant.pk])),
             client.get(reverse("settings_ui:audit_entry", args=[plant.pk, entry.pk]))]
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        assert "Stop" in html or "stop" in html  # everyone sees what changed
        assert ("param-marker-7731" in html) is sees_parameters
    assert ("reply-marker-9917" in pages[1].content.decode()) is sees_parameters


def test_a_member_cannot_reach_another_plants_objects_through_the_shared_plant(client, owner, viewer, plant):
    from settings_ui.models import SettingChange

    share(plant, viewer)
    other = make_plant(owner, name="Holiday Flat", devices=1)  # the owner's, not shared
    device = other.devices.get()
    entry = SettingChange.objects.create(plant=other, device=device, user=owner, outcome="success",
                                         setting_type="mix_ac_charge_time_period", params=["1"])
    client.force_login(viewer)
    for url in (reverse("device_detail", args=[plant.pk, device.pk]),
                reverse("device_chart_day", args=[plant.pk, device.pk]),
                reverse("settings_ui:audit_entry", args=[plant.pk, entry.pk]),
                reverse("plant_detail", args=[other.pk])):
        assert client.get(url).status_code == 404, url
