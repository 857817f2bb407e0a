"""The simulated clock.

simulated now = start + (time.time() - t0) * speed + offset

Only ``time.time()`` is read, never ``time.monotonic()``: tests that move
time with ``time-machine`` move the simulator along with everything else in
the process.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime


def parse_instant(value: str | datetime | float | int) -> datetime:
    """An aware UTC datetime from an ISO string, a datetime or an epoch number.

    Naive datetimes and ISO strings without an offset are taken as UTC.
    """
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(float(value), UTC)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        value = datetime.fromisoformat(text)
    if not isinstance(value, datetime):
        raise TypeError(f"not a point in time: {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class SimClock:
    """A clock that can run faster than real time and be pushed forward."""

    def __init__(self, start: str | datetime | float | None = None, speed: float = 1.0):
        if speed < 0:
            raise ValueError("speed must not be negative")
        self._lock = threading.Lock()
        self._t0 = time.time()
        self._start = self._t0 if start is None else parse_instant(start).timestamp()
        self._speed = float(speed)
        self._offset = 0.0

    # -- reading -------------------------------------------------------------
    def timestamp(self) -> float:
        """Simulated now as a POSIX timestamp."""
        return self._start + (time.time() - self._t0) * self._speed + self._offset

    def now(self) -> datetime:
        """Simulated now as an aware UTC datetime."""
        return datetime.fromtimestamp(self.timestamp(), UTC)

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def offset(self) -> float:
        return self._offset

    @property
    def start(self) -> datetime:
        return datetime.fromtimestamp(self._start, UTC)

    # -- moving --------------------------------------------------------------
    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward (or back, with a negative number)."""
        with self._lock:
            self._offset += float(seconds)
        return self.now()

    def set(self, when: str | datetime | float) -> datetime:
        """Jump to an absolute simulated instant; time keeps running from there."""
        target = parse_instant(when).timestamp()
        with self._lock:
            self._offset += target - self.timestamp()
        return self.now()

    def set_speed(self, speed: float) -> None:
        """Change the speed without a jump in simulated time."""
        if speed < 0:
            raise ValueError("speed must not be negative")
        with self._lock:
            now_real = time.time()
            current = self._start + (now_real - self._t0) * self._speed + self._offset
            self._t0 = now_real
            self._start = current - self._offset
            self._speed = float(speed)

    def describe(self) -> dict:
        return {
            "now": self.now().isoformat(),
            "timestamp": self.timestamp(),
            "speed": self._speed,
            "offset": self._offset,
            "start": self.start.isoformat(),
        }
