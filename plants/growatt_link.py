"""The one place where the web app holds a Growatt session for an account.

Rules (DESIGN.md, principle 2 — never get an account locked):

* one Growatt session per account, stored encrypted and shared by every worker;
* log in only when there is no session or the server said it expired, once per
  expiry (the session generation moves), never two logins at once (a guard row);
* no login while the account is locked (507) or its credentials are known bad
  (502), and never more than ``GROWATT_MAX_LOGINS_PER_DAY`` logins a day;
* a login is never retried automatically.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from growatt import (
    AccountLocked,
    BadCredentials,
    GrowattApi,
    GrowattError,
    GrowattTransportError,
    SessionExpired,
    http_session,  # reads the environment's proxy and CA settings once per session, not per request
)
from plants.models import GrowattAccount, GrowattLogin

log = logging.getLogger(__name__)

USER_AGENT_SUFFIX = "growattweb"


class LoginRefusedLocally(GrowattError):
    """growattweb itself refused to log in (no request was sent)."""

    retryable = False


class StillLocked(LoginRefusedLocally):
    """The account is locked by Growatt until ``locked_until``: no call until then."""

    def __init__(self, locked_until: dt.datetime):
        super().__init__(f"Growatt has locked this account until {locked_until:%Y-%m-%d %H:%M} UTC.")
        self.locked_until = locked_until


class CredentialsRefused(LoginRefusedLocally):
    """Growatt refused these credentials before; no login until the person fixes them."""


class LoginCapReached(LoginRefusedLocally):
    """growattweb's own limit: too many logins for this account in the last 24 hours."""

    def __init__(self, retry_at: dt.datetime):
        super().__init__(f"Daily login limit reached; next login allowed after {retry_at:%Y-%m-%d %H:%M} UTC.")
        self.retry_at = retry_at


class LoginInProgress(GrowattError):
    """Another worker is logging in to this account right now; try again shortly."""

    retryable = True


def _plain(exc: Exception) -> str:
    from plants.explain import explain_growatt_error  # the wording table imports this module

    return explain_growatt_error(exc)


def make_api(account: GrowattAccount) -> GrowattApi:
    return GrowattApi(
        server_url=account.server_url,
        timeout=settings.GROWATT_REQUEST_TIMEOUT,
        session=http_session(account.server_url),
    )


class AccountLink:
    """A GrowattApi bound to one account: shared session, guarded re-login, counted calls."""

    def __init__(self, account: GrowattAccount, api: GrowattApi | None = None):
        self.account = account
        self.api = api or make_api(account)
        self.requests = 0
        self.logins = 0
        self.resends = 0  # requests repeated because the session had expired
        self._generation = account.session_generation
        session = account.session
        if session:
            try:
                self.api.import_session(session)
            except (TypeError, ValueError, KeyError):
                log.warning("account %s: stored session unreadable, a login will be needed", account.pk)

    # --- calls ----------------------------------------------------------------------------
    def call(self, method: str, *args, retries: int = 0, **kwargs):
        """Call a read method of the Growatt API.

        On ``SessionExpired`` the session is renewed once and the call repeated
        once. Transient transport errors are retried ``retries`` times with
        jittered exponential backoff; nothing else is retried.
        """
        if not self.api.is_logged_in:
            self.login("first" if not self.account.session_data else "missing")
        attempt = 0
        renewed = False
        while True:
            self.requests += 1
            try:
                return getattr(self.api, method)(*args, **kwargs)
            except SessionExpired:
                if renewed:
                    raise
                renewed = True
                self.renew_session()
                self.resends += 1
            except GrowattError as exc:
                if not exc.retryable or attempt >= retries:
                    raise
                attempt += 1
                base = settings.GROWATT_RETRY_BASE_SECONDS
                if base > 0:
                    time.sleep(random.uniform(0, base * 2 ** (attempt - 1)))  # full jitter

    def write(self, method: str, *args, **kwargs):
        """An inverter or plant write: sent once, never retried (outcome handled by the caller)."""
        if not self.api.is_logged_in:
            self.login("first")
        self.requests += 1
        try:
            return getattr(self.api, method)(*args, **kwargs)
        except SessionExpired:
            # The server refused before acting on the write: safe to renew and send once more.
            self.renew_session()
            self.requests += 1
            return getattr(self.api, method)(*args, **kwargs)

    # --- sessions --------------------------------------------------------------------------
    def renew_session(self) -> None:
        """Log in again after an expiry, once per expiry, never two workers at once."""
        now = timezone.now()
        won = (
            GrowattAccount.objects.filter(pk=self.account.pk, session_generation=self._generation)
            .filter(Q(login_guard_until__isnull=True) | Q(login_guard_until__lt=now))
            .update(login_guard_until=now + dt.timedelta(seconds=90))
        )
        if won:
            try:
                self.login("expired", guarded=True)
            finally:
                GrowattAccount.objects.filter(pk=self.account.pk).update(login_guard_until=None)
            return
        # Someone else renewed it (or is renewing it): adopt their session.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            fresh = GrowattAccount.objects.get(pk=self.account.pk)
            if fresh.session_generation != self._generation and fresh.session:
                self.api.import_session(fresh.session)
                self._generation = fresh.session_generation
                self.account.session_data = fresh.session_data
                self.account.session_generation = fresh.session_generation
                return
            if fresh.login_guard_until is None or fresh.login_guard_until < timezone.now():
                break
            time.sleep(0.5)
        raise LoginInProgress("Another worker is renewing this Growatt session.")

    # The password (and its hash, in the client's frames below) stays out of error reports' local variables.
    @sensitive_variables()
    def login(self, reason: str, guarded: bool = False) -> dict:
        account = self.account
        now = timezone.now()
        if account.locked_until and account.locked_until > now:
            raise StillLocked(account.locked_until)
        if account.state == GrowattAccount.State.BAD_CREDENTIALS:
            raise CredentialsRefused("The stored Growatt credentials were refused; fix them first.")
        cap = settings.GROWATT_MAX_LOGINS_PER_DAY
        recent = list(account.logins.filter(at__gt=now - dt.timedelta(days=1)).values_list("at", flat=True))
        if len(recent) >= cap:
            retry_at = min(recent) + dt.timedelta(days=1)
            raise LoginCapReached(retry_at)

        record = GrowattLogin(account=account, at=now, reason=reason)
        self.logins += 1
        self.requests += 1
        try:
            reply = self.api.login(account.username, account.password)
        except AccountLocked as exc:
            record.result = "locked (507)"
            record.save()
            until = exc.locked_until or now + dt.timedelta(hours=exc.lock_duration_hours or 24)
            GrowattAccount.objects.filter(pk=account.pk).update(
                state=GrowattAccount.State.LOCKED, locked_until=until, next_sync_at=until,
                last_error=_plain(exc), last_error_at=now, session_data=None,
            )
            account.state, account.locked_until, account.next_sync_at = GrowattAccount.State.LOCKED, until, until
            raise
        except BadCredentials as exc:
            record.result = "bad credentials (502)"
            record.save()
            GrowattAccount.objects.filter(pk=account.pk).update(
                state=GrowattAccount.State.BAD_CREDENTIALS, last_error=_plain(exc), last_error_at=now,
                session_data=None,
            )
            account.state = GrowattAccount.State.BAD_CREDENTIALS
            raise
        except GrowattTransportError as exc:
            record.result = f"transport: {type(exc).__name__}"
            record.save()
            raise
        except GrowattError as exc:
            record.result = f"error: {type(exc).__name__}"
            record.save()
            raise
        record.ok = True
        record.result = "ok"
        record.save()
        self._store_session(reply)
        return reply

    def _store_session(self, reply: dict | None = None) -> None:
        account = self.account
        session = self.api.export_session()
        account.session_data = json.dumps(session)
        user_id = (reply or {}).get("userId") or getattr(self.api, "user_id", None)
        if user_id:
            account.growatt_user_id = str(user_id)
        GrowattAccount.objects.filter(pk=account.pk).update(
            session_data=account.session_data,  # update() encrypts through the field
            session_generation=F("session_generation") + 1,
            growatt_user_id=account.growatt_user_id,
        )
        account.refresh_from_db(fields=["session_generation"])
        self._generation = account.session_generation

    def save_session_if_changed(self) -> None:
        """Cookies can be refreshed by the server on any call; keep the stored copy current."""
        if not self.api.is_logged_in:
            return
        current = json.dumps(self.api.export_session())
        if current != self.account.session_data:
            self.account.session_data = current
            GrowattAccount.objects.filter(pk=self.account.pk, session_generation=self._generation).update(
                session_data=current
            )
