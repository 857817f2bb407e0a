"""Share page (owner), invitation links, leaving a plant, and the login-free kiosk view."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from plants import kiosk as kiosk_data
from plants import sharing
from plants.models import Role, get_plant_for_owner, get_plant_for_user
from plants.sharing_forms import InviteForm, InviteSignupForm, KioskLinkForm, RoleForm

NEW_LINK_KEY = "sharing-new-link"


def _render_share(request, plant, *, invite_form=None, kiosk_form=None, status=200):
    now = timezone.now()
    invitations = list(plant.invitations.select_related("user", "accepted_by")[:30])
    pending = [i for i in invitations if i.status == "pending"]
    # Show a just-created link once. It sits in the owner's session only until this page shows it.
    new_link = request.session.pop(NEW_LINK_KEY, None)
    if new_link and new_link.get("plant") != plant.pk:
        new_link = None
    return render(request, "plants/share.html", {
        "plant": plant,
        "role": Role.OWNER,
        "active": "share",
        "members": list(sharing.members(plant)),
        "pending": pending,
        "past_invitations": [i for i in invitations if i.status != "pending"][:10],
        "kiosk_links": list(plant.kiosk_links.filter(revoked_at__isnull=True)),
        "invite_form": invite_form or InviteForm(plant),
        "kiosk_form": kiosk_form or KioskLinkForm(),
        "role_choices": RoleForm.base_fields["role"].choices,
        "new_link": new_link,
        "now": now,
    }, status=status)


def _remember_new_link(request, plant, kind: str, path: str, label: str, emailed: bool = False):
    request.session[NEW_LINK_KEY] = {
        "plant": plant.pk, "kind": kind, "url": request.build_absolute_uri(path), "label": label,
        "emailed": emailed,
    }


@login_required
@require_http_methods(["GET", "POST"])
def plant_share(request, pk):
    """Members, pending invitations and kiosk links of one plant; POST invites someone."""
    plant = get_plant_for_owner(request, pk)
    if request.method == "POST":
        form = InviteForm(plant, request.POST)
        if form.is_valid():
            who, role = form.cleaned_data["who"], form.cleaned_data["role"]
            try:
                invitation, token = sharing.invite(plant, created_by=request.user, role=role, **who)
            except sharing.SharingError as exc:
                form.add_error("who", str(exc))
            else:
                link = request.build_absolute_uri(sharing.invitation_path(token))
                emailed = sharing.send_invitation_email(invitation, link)
                _remember_new_link(request, plant, "invitation", sharing.invitation_path(token),
                                   invitation.invitee, emailed)
                if emailed or not invitation.email:
                    messages.success(request, f"Invitation for {invitation.invitee} created"
                                              f"{' and emailed' if emailed else ''}.")
                else:
                    messages.warning(request, f"Invitation for {invitation.invitee} created, but the email could "
                                              "not be sent. Copy the link below and send it yourself.")
                return redirect("plant_share", pk=plant.pk)
        return _render_share(request, plant, invite_form=form)
    return _render_share(request, plant)


@login_required
@require_POST
def member_role(request, pk, member_pk):
    plant = get_plant_for_owner(request, pk)
    membership = get_object_or_404(plant.memberships.select_related("user"), pk=member_pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        sharing.share_with(plant, membership.user, form.cleaned_data["role"])
        messages.success(request, f"{membership.user.get_username()} is now "
                                  f"{dict(form.fields['role'].choices)[form.cleaned_data['role']].lower()}.")
    else:
        messages.error(request, "Pick a role: viewer or editor.")
    return redirect("plant_share", pk=plant.pk)


@login_required
@require_POST
def member_remove(request, pk, member_pk):
    plant = get_plant_for_owner(request, pk)
    membership = get_object_or_404(plant.memberships.select_related("user"), pk=member_pk)
    membership.delete()
    messages.success(request, f"{membership.user.get_username()} no longer has access to {plant.name}.")
    return redirect("plant_share", pk=plant.pk)


@login_required
@require_POST
def invitation_revoke(request, pk, invitation_pk):
    plant = get_plant_for_owner(request, pk)
    invitation = get_object_or_404(plant.invitations, pk=invitation_pk)
    if sharing.revoke_invitation(invitation):
        messages.success(request, f"The invitation for {invitation.invitee} was withdrawn; its link no longer works.")
    else:
        messages.info(request, "That invitation was already used or withdrawn.")
    return redirect("plant_share", pk=plant.pk)


@login_required
@require_POST
def kiosk_create(request, pk):
    plant = get_plant_for_owner(request, pk)
    form = KioskLinkForm(request.POST)
    if not form.is_valid():
        return _render_share(request, plant, kiosk_form=form)
    link, token = sharing.create_kiosk_link(plant, label=form.cleaned_data["label"], created_by=request.user,
                                            expires_at=form.cleaned_data["expires"])
    _remember_new_link(request, plant, "kiosk", sharing.kiosk_path(token), link.label)
    messages.success(request, f"Kiosk link “{link.label}” created.")
    return redirect("plant_share", pk=plant.pk)


@login_required
@require_POST
def kiosk_revoke(request, pk, link_pk):
    plant = get_plant_for_owner(request, pk)
    link = get_object_or_404(plant.kiosk_links, pk=link_pk)
    sharing.revoke_kiosk_link(link)
    messages.success(request, f"Kiosk link “{link.label}” revoked; screens using it show nothing any more.")
    return redirect("plant_share", pk=plant.pk)


@login_required
@require_http_methods(["GET", "POST"])
def plant_leave(request, pk):
    """A member stops seeing a shared plant (GET asks, POST does it). Owners cannot leave their own plant."""
    plant, role = get_plant_for_user(request, pk)
    if role == Role.OWNER:
        raise PermissionDenied("You own this plant; delete its Growatt account to remove it.")
    if request.method == "POST":
        sharing.leave(plant, request.user)
        messages.success(request, f"You no longer see {plant.name}.")
        return redirect("home")
    return render(request, "plants/share_leave.html", {"plant": plant, "role": role, "active": "share"})


# --- invitation links ------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token):
    """Anyone holding the link: sign up (or log in) and accept. Used, expired and revoked links grant nothing."""
    invitation = sharing.find_invitation(token)
    if invitation is None:
        return render(request, "plants/invitation_invalid.html", {
            "reason": "unknown",
            "message": "This invitation link is not valid. Check that you copied all of it, "
                       "or ask the plant's owner for a new one.",
        }, status=404)
    problem = sharing.invitation_problem(invitation, request.user)
    if problem and problem.reason in ("used", "revoked", "expired"):
        return render(request, "plants/invitation_invalid.html",
                      {"reason": problem.reason, "message": str(problem)}, status=410)
    if problem and problem.reason == "owner":
        return render(request, "plants/invitation_invalid.html", {
            "reason": problem.reason, "message": str(problem), "plant_url": sharing.plant_url(invitation.plant),
        })
    if problem:  # logged in as someone else than the invited user
        return render(request, "plants/invitation_invalid.html",
                      {"reason": problem.reason, "message": str(problem), "offer_logout": True}, status=403)

    context = {"invitation": invitation, "plant": invitation.plant,
               "inviter": invitation.created_by.get_username() if invitation.created_by else "The owner"}
    if request.user.is_authenticated:
        if request.method == "POST":
            return _accept(request, invitation, request.user)
        return render(request, "plants/invitation_accept.html", context)

    signup_form = None
    if invitation.user_id is None:  # a user invited by name logs in; anyone else may create an account here
        signup_form = InviteSignupForm(request.POST or None, initial={"email": invitation.email})
        if request.method == "POST" and signup_form.is_valid():
            user = signup_form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return _accept(request, invitation, user)
    context["signup_form"] = signup_form
    return render(request, "plants/invitation_accept.html", context)


def _accept(request, invitation, user):
    try:
        membership = sharing.accept_invitation(invitation, user)
    except sharing.InvitationUnusable as exc:
        return render(request, "plants/invitation_invalid.html", {"reason": exc.reason, "message": str(exc)},
                      status=410)
    role = membership.get_role_display().lower()
    messages.success(request, f"Welcome! You now see {invitation.plant.name} as {role}.")
    return redirect(sharing.plant_url(invitation.plant))


# --- kiosk ----------------------------------------------------------------------------------


def _kiosk_link_or_404(request, token):
    link = sharing.find_kiosk_link(token)
    if link is None:
        return None
    sharing.touch_kiosk_link(link)
    return link


def _kiosk_gone(request):
    return render(request, "plants/kiosk_invalid.html", status=404)


def _private(response):
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def kiosk(request, token):
    link = _kiosk_link_or_404(request, token)
    if link is None:
        return _private(_kiosk_gone(request))
    context = kiosk_data.page_context(link.plant, token)
    return _private(render(request, "plants/kiosk.html", context))


@require_GET
def kiosk_live(request, token):
    link = _kiosk_link_or_404(request, token)
    if link is None:
        return _private(JsonResponse({"error": "This kiosk link is no longer valid."}, status=404))
    return _private(JsonResponse(kiosk_data.live(link.plant)))


@require_GET
def kiosk_day(request, token):
    link = _kiosk_link_or_404(request, token)
    if link is None:
        return _private(JsonResponse({"error": "This kiosk link is no longer valid."}, status=404))
    return _private(JsonResponse(kiosk_data.day(link.plant)))
