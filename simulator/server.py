"""The HTTP side: a threaded HTTP/1.1 keep-alive server around ``SimulatorApp``."""

from __future__ import annotations

import socket
import sys
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .app import Request, Response, SimulatorApp

_REASONS = {s.value: s.phrase for s in HTTPStatus}


class _DateCache:
    """Formatting the Date header once per second is measurably cheaper under load."""

    def __init__(self):
        self._second = -1
        self._text = ""

    def get(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._text = formatdate(now, usegmt=True)
        return self._text


_DATES = _DateCache()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    timeout = 120  # idle keep-alive connections are closed after this many seconds

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def do_GET(self):  # noqa: N802 (http.server's naming)
        self._serve("GET")

    def do_POST(self):  # noqa: N802
        self._serve("POST")

    def do_PUT(self):  # noqa: N802
        self._serve("PUT")

    def do_DELETE(self):  # noqa: N802
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        try:
            req = Request.from_http(method, self.path, self.headers, body)
            resp = self.server.app.handle(req)
        except Exception as exc:  # a bug in the simulator must not look like a network failure
            if self.server.verbose:
                import traceback

                traceback.print_exc()
            resp = Response.html(f"<html><body><h1>500</h1><pre>{type(exc).__name__}</pre></body></html>", 500)
        if self.server.verbose:
            sys.stderr.write(f"{self.address_string()} {method} {self.path} -> "
                             f"{'drop' if resp.drop else resp.status}\n")
        if resp.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        head = [
            f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, '')}",
            f"Server: {self.server_version}",
            f"Date: {_DATES.get()}",
            f"Content-Type: {resp.content_type}",
            f"Content-Length: {len(resp.body)}",
        ]
        head.extend(f"{name}: {value}" for name, value in resp.headers)
        if self.close_connection:
            head.append("Connection: close")
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + (b"" if method == "HEAD" else resp.body)
        self.wfile.write(data)

    def log_message(self, format, *args):  # noqa: A002
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256

    def __init__(self, address, app: SimulatorApp, verbose: bool = False):
        self.app = app
        self.verbose = verbose
        self._conns: set = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, _Handler)

    def track(self, conn, alive: bool) -> None:
        with self._conns_lock:
            if alive:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def close_all(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
            self._conns.clear()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


class SimulatorServer:
    """A stateful Growatt server, in a thread of this process.

    >>> with SimulatorServer(seed=1) as sim:
    ...     api.server_url = sim.url
    """

    def __init__(
        self,
        scenario: str = "demo",
        seed: int = 1,
        speed: float = 1.0,
        start=None,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: dict | None = None,
        session_lifetime: float = 86400,
        login_allowance: int = 10,
        login_window: float = 3600,
        latency: float = 0.0,
        scale_accounts: int = 10,
        scale_plants: int = 3,
        *,
        lock_hours: int = 24,
        expired_mode: str = "redirect",
        cache: bool = True,
        verbose: bool = False,
        **kw,
    ):
        # Friendly aliases for the command line's names.
        scale_accounts = kw.pop("accounts", scale_accounts)
        scale_plants = kw.pop("plants_per_account", scale_plants)
        if kw:
            raise TypeError(f"unexpected options: {', '.join(sorted(kw))}")
        self.host = host
        self.port = port
        self.verbose = verbose
        self.app = SimulatorApp(
            scenario=scenario, seed=seed, speed=speed, start=start, faults=faults,
            session_lifetime=session_lifetime, login_allowance=login_allowance, login_window=login_window,
            latency=latency, scale_accounts=scale_accounts, scale_plants=scale_plants, lock_hours=lock_hours,
            expired_mode=expired_mode, cache=cache,
        )
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- in-process handles ---------------------------------------------------------
    @property
    def world(self):
        return self.app.world

    @property
    def clock(self):
        return self.app.clock

    @property
    def physics(self):
        return self.app.physics

    @property
    def faults(self):
        return self.app.faults

    @faults.setter
    def faults(self, value: dict):
        self.app.faults.clear()
        self.app.faults.update(value or {})

    def stats(self) -> dict:
        return self.app.stats()

    def reset(self, *, clock: bool = False) -> None:
        self.app.reset(clock=clock)

    def expire_sessions(self, username: str | None = None) -> int:
        return self.app.expire_sessions(username)

    def lock_account(self, username: str, hours: float | None = None) -> None:
        self.app.lock_account(username, hours)

    # -- lifecycle ----------------------------------------------------------------------
    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the simulator is not running; call start() first")
        return f"http://{self.host}:{self.port}/"

    def bind(self) -> SimulatorServer:
        """Open the listening socket without serving yet (port 0 picks a free port)."""
        if self._httpd is None:
            self._httpd = _Server((self.host, self.port), self.app, self.verbose)
            self.port = self._httpd.server_address[1]
        return self

    def start(self) -> SimulatorServer:
        self.bind()
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                name=f"growatt-simulator-{self.port}", daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread (the command line)."""
        self.bind()
        try:
            self._httpd.serve_forever(poll_interval=0.2)
        finally:
            self._httpd.close_all()
            self._httpd.server_close()

    def stop(self) -> None:
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        if thread is not None:
            # shutdown() waits for the serve loop to poll; a connection wakes it up at once.
            stopper = threading.Thread(target=httpd.shutdown, daemon=True)
            stopper.start()
            for _ in range(500):
                if not stopper.is_alive():
                    break
                try:
                    socket.create_connection((self.host, self.port), timeout=0.2).close()
                except OSError:
                    pass
                stopper.join(0.01)
            thread.join(timeout=5)
        httpd.close_all()
        httpd.server_close()
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._httpd else "stopped"
        return f"<SimulatorServer {self.app.scenario} seed={self.app.seed} {where}>"
