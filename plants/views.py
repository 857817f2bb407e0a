"""Home page and Growatt account management (owner only)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_POST

from growatt import GrowattError
from plants.crypto import EncryptionKeyError
from plants.explain import explain_growatt_error
from plants.forms import CredentialsForm, GrowattAccountForm
from plants.growatt_link import AccountLink
from plants.models import GrowattAccount, Plant
from plants.sharing_forms import InviteSignupForm
from plants.tasks import enqueue_sync

log = logging.getLogger(__name__)


# The account pages never show the secrets: not loading them keeps the pages working (and
# explaining) when FIELD_ENCRYPTION_KEYS cannot open them; they are decrypted only when used.
UNLOADED_SECRETS = ("password", "session_data")


def get_own_account(request, pk) -> GrowattAccount:
    account = GrowattAccount.objects.filter(pk=pk, owner=request.user).defer(*UNLOADED_SECRETS).first()
    if account is None:
        raise Http404("No such Growatt account.")
    return account


@login_required
@require_GET
def home(request):
    plants = list(Plant.objects.visible_to(request.user).for_cards())
    accounts = list(GrowattAccount.objects.filter(owner=request.user).defer(*UNLOADED_SECRETS))
    return render(request, "plants/home.html", {
        "plants": plants,
        "accounts": accounts,
        "problem_accounts": [a for a in accounts if a.needs_attention],
    })


@login_required
@require_GET
def account_list(request):
    accounts = GrowattAccount.objects.filter(owner=request.user).defer(*UNLOADED_SECRETS).prefetch_related("plants")
    return render(request, "plants/account_list.html", {"accounts": accounts})


def test_connection(account: GrowattAccount, reason: str = "test") -> tuple[bool, str, list[dict]]:
    """Log in once (or reuse the session) and list the plants; the session is kept for the first sync."""
    try:
        link = AccountLink(account)
        if not link.api.is_logged_in:
            link.login(reason)
        user_id = account.growatt_user_id or getattr(link.api, "user_id", None)
        listing = link.call("plant_list", user_id) or {}
        link.save_session_if_changed()
    except (GrowattError, EncryptionKeyError) as exc:
        return False, explain_growatt_error(exc), []
    plants = [
        {"id": str(p.get("plantId", "")), "name": p.get("plantName", ""), "today": p.get("todayEnergy", "")}
        for p in listing.get("data") or [] if isinstance(p, dict)
    ]
    return True, f"Connected. Growatt lists {len(plants)} plant(s) for this account.", plants


@sensitive_post_parameters("password")  # kept out of error reports
@login_required
def account_add(request):
    form = GrowattAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        account = form.save(commit=False)
        account.owner = request.user
        account.save()
        ok, message, plants = test_connection(account, reason="first")
        request.session[f"account-{account.pk}-plants"] = plants
        (messages.success if ok else messages.error)(request, message)
        if ok:
            with transaction.atomic():
                enqueue_sync(account)
        return redirect("account_detail", pk=account.pk)
    return render(request, "plants/account_form.html", {"form": form})


@login_required
@require_GET
def account_detail(request, pk):
    account = get_own_account(request, pk)
    account.refresh_from_db()
    return render(request, "plants/account_detail.html", {
        "account": account,
        "plants": account.plants.all(),
        "found_plants": request.session.get(f"account-{account.pk}-plants"),
        "credentials_form": CredentialsForm(initial={"username": account.username}),
        "runs": account.sync_runs.all()[:10],
        "logins_today": account.logins_in_last_day(),
    })


@login_required
@require_POST
def account_test(request, pk):
    account = get_own_account(request, pk)
    if account.is_locked:
        messages.error(request, explain_growatt_error_locked(account))
        return redirect("account_detail", pk=pk)
    ok, message, plants = test_connection(account)
    request.session[f"account-{account.pk}-plants"] = plants
    (messages.success if ok else messages.error)(request, message)
    return redirect("account_detail", pk=pk)


def explain_growatt_error_locked(account: GrowattAccount) -> str:
    return (f"Growatt has locked this account until {timezone.localtime(account.locked_until):%Y-%m-%d %H:%M}. "
            "growattweb sends nothing until then.")


@sensitive_post_parameters("password")  # kept out of error reports
@login_required
@require_POST
def account_credentials(request, pk):
    account = get_own_account(request, pk)
    form = CredentialsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter both the Growatt username and password.")
        return redirect("account_detail", pk=pk)
    account.username = form.cleaned_data["username"]
    account.password = form.cleaned_data["password"]
    account.session_data = None
    account.state = GrowattAccount.State.NEW
    account.last_error = ""
    account.save()
    ok, message, plants = test_connection(account, reason="new-credentials")
    request.session[f"account-{account.pk}-plants"] = plants
    (messages.success if ok else messages.error)(request, message)
    if ok:
        GrowattAccount.objects.filter(pk=pk).update(state=GrowattAccount.State.OK)
        with transaction.atomic():
            enqueue_sync(account)
    return redirect("account_detail", pk=pk)


@login_required
@require_POST
def account_sync_now(request, pk):
    account = get_own_account(request, pk)
    if account.is_locked:
        messages.error(request, explain_growatt_error_locked(account))
    elif account.state == GrowattAccount.State.BAD_CREDENTIALS:
        messages.error(request, "Fix the credentials first.")
    else:
        with transaction.atomic():
            enqueue_sync(account)
        messages.success(request, "A sync was queued; the page shows its result within a minute.")
    return redirect("account_detail", pk=pk)


@login_required
def account_delete(request, pk):
    account = get_own_account(request, pk)
    if request.method == "POST":
        label = account.label
        account.delete()
        messages.success(request, f"Deleted the Growatt account “{label}” with its plants and data.")
        return redirect("account_list")
    return render(request, "plants/account_confirm_delete.html", {
        "account": account, "plants": account.plants.all(),
    })


def signup(request):
    """Open sign-up, only when OPEN_SIGNUP is on (invitations have their own sign-up)."""
    if not settings.OPEN_SIGNUP:
        return render(request, "registration/signup_closed.html", status=404)
    if request.user.is_authenticated:
        return redirect("home")
    form = InviteSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Add your Growatt account to see your plants.")
        return redirect("home")
    return render(request, "registration/signup.html", {"form": form})
