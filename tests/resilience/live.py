"""The app behind a real HTTP server on loopback, and a tiny browser that talks to it."""

from __future__ import annotations

import http.client
import re
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.serving import WSGIRequestHandler, make_server

_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_COOKIE = re.compile(r"^([^=;]+=[^;]*)")


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # paths carry survey tokens
        pass


class InFlight:
    """WSGI middleware that records the most requests it ever had in progress at once."""

    def __init__(self, app):
        self.app, self.now, self.peak = app, 0, 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        try:
            # Buffer the body so "in progress" covers the whole request, as a worker sees it.
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                if hasattr(result, "close"):
                    result.close()
        finally:
            with self._lock:
                self.now -= 1


class LiveServer:
    """serve `app` on a free port, one thread per connection, until stop()."""

    def __init__(self, app):
        self.counter = InFlight(app)
        self.server = make_server("127.0.0.1", 0, self.counter, threaded=True,
                                  request_handler=_Quiet)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """One visitor: keeps its session cookie and the last form's CSRF token."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None

    def request(self, method: str, path: str, form: dict | None = None,
                headers: dict | None = None, body: bytes | None = None) -> Reply:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            sent = dict(headers or {})
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            if form is not None:
                body = urlencode(form).encode()
                sent["Content-Type"] = "application/x-www-form-urlencoded"
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            for cookie in response.msg.get_all("Set-Cookie") or []:
                name, _, value = _COOKIE.match(cookie).group(1).partition("=")
                self.cookies[name.strip()] = value
            reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()},
                          response.read().decode("utf-8", "replace"))
        finally:
            conn.close()
        if found := _CSRF.search(reply.text):
            self.csrf = found.group(1)
        return reply

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post_form(self, path: str, form: dict) -> Reply:
        """POST a form with the CSRF token of the last page this browser opened."""
        return self.request("POST", path, {**form, "csrf_token": self.csrf or ""})
