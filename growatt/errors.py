"""Typed errors raised by :class:`growatt.GrowattApi`.

Every error derives from :class:`GrowattError` and carries a boolean ``retryable``:
``True`` when the same call may succeed later without the user doing anything
(a new session, the firewall calming down, the network coming back), ``False``
when only a change on the user's side helps (other password, other server, other
serial number, other setting value) or when the account is locked.

``retryable`` is advice for *reads*. Inverter and plant *writes* are never retried
automatically by this library, and callers should not either: a
:class:`GrowattTimeout` on a write means the outcome is unknown.

Messages never contain passwords, password hashes or cookie values.
"""

from __future__ import annotations

import datetime


class GrowattError(Exception):
    """Base class of every error raised by the Growatt client."""

    retryable: bool = False

    def __init__(self, message: str = "", *, endpoint: str | None = None, retryable: bool | None = None):
        super().__init__(message)
        self.message = message
        #: "newMixApi.do op=getMixInfo"-style description of the call, never with parameters.
        self.endpoint = endpoint
        if retryable is not None:
            self.retryable = retryable

    def __str__(self) -> str:
        if self.endpoint:
            return f"{self.message} [{self.endpoint}]"
        return self.message


class BadCredentials(GrowattError):
    """Login answered ``msg "502"`` (or ``"501"``): wrong user name or password, or an account
    that lives on another regional server. Retrying the same credentials cannot help and
    counts towards a lockout."""

    retryable = False

    def __init__(self, message: str = "", *, msg: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.msg = msg


class AccountLocked(GrowattError):
    """Login answered ``msg "507"``: the account is locked (typically 24 h) after too many logins.

    ``lock_duration_hours`` is the server's ``lockDuration`` (``None`` when absent) and
    ``locked_until`` the aware UTC time the lock ends, computed as *now + duration*.
    Do not try to log in again before ``locked_until``: every attempt may extend the lock.
    """

    retryable = False

    def __init__(
        self,
        message: str = "",
        *,
        lock_duration_hours: float | None = None,
        server_text: str | None = None,
        now: datetime.datetime | None = None,
        **kwargs,
    ):
        super().__init__(message, **kwargs)
        self.msg = "507"
        self.lock_duration_hours = lock_duration_hours
        self.server_text = server_text
        self.locked_until: datetime.datetime | None = None
        if lock_duration_hours is not None:
            start = now or datetime.datetime.now(datetime.UTC)
            self.locked_until = start + datetime.timedelta(hours=lock_duration_hours)


class SessionExpired(GrowattError):
    """The server no longer accepts the session cookie: it answered with its HTML login page,
    a redirect to ``/error.do?errorMess=errorNoLogin`` or an HTML 500 "you have not login".
    Retryable after one new login."""

    retryable = True


class Blocked(GrowattError):
    """The server's web application firewall refused the request (HTTP 403/405 HTML page,
    or a WAF JSON reply). ``server_text`` holds the page's text, trimmed. Waiting (or
    another User-Agent/server) may help; hammering does not."""

    retryable = True

    def __init__(self, message: str = "", *, status: int | None = None, server_text: str = "", **kwargs):
        super().__init__(message, **kwargs)
        self.status = status
        self.server_text = server_text


class DeviceNotFound(GrowattError):
    """The device or plant id is unknown to this account or of another type than the call
    expects: ``{"msg": "501", "success": false}`` or ``{"result": 0, "obj": null, "msg": "504"}``,
    or ``obj: null`` where the device's data was expected."""

    retryable = False

    def __init__(self, message: str = "", *, msg: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.msg = msg


class SettingRejected(GrowattError):
    """A settings write answered ``success: false``; ``msg`` is the server's code, e.g.
    ``"inv_set_failure"`` or ``"inv_set_time_format"``."""

    retryable = False

    def __init__(self, message: str = "", *, msg: str | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.msg = msg


class UnexpectedReply(GrowattError):
    """The reply could not be understood: not JSON, not the expected envelope, keys missing,
    an unexpected HTTP 4xx. ``status`` is the HTTP status when known."""

    retryable = True

    def __init__(self, message: str = "", *, status: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.status = status


class GrowattTransportError(GrowattError):
    """The request did not complete: connection refused/reset/dropped, TLS failure, or HTTP 5xx.
    ``status`` is the HTTP status for 5xx replies, ``None`` otherwise."""

    retryable = True

    def __init__(self, message: str = "", *, status: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.status = status


class GrowattTimeout(GrowattTransportError):
    """No reply within the timeout. For a write this means *outcome unknown*: the server may
    have forwarded the command. ``connect_timeout`` is ``True`` when the connection was never
    established (then the request was certainly not sent)."""

    def __init__(self, message: str = "", *, connect_timeout: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        self.connect_timeout = connect_timeout
