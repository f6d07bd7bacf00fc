"""Request bodies are capped: above MAX_CONTENT_LENGTH a request gets a 413 (a calm page
on staff and survey pages, JSON with a stable code on the API) and changes nothing; the
CSV import alone has the larger IMPORT_MAX_BYTES, and above that it gets the same 413.

Most checks use the test client, which always sends a Content-Length. A streamed
(chunked) body has none, so the limit must be enforced while reading; the test client
cannot send one, so those checks go through a real HTTP server (Werkzeug's, in a thread;
gunicorn hands the app the same kind of stream).
"""

from __future__ import annotations

import gc
import http.client
import re
import threading
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from feedback import config
from feedback.integrations import api_keys
from feedback.models import ApiScope, Engagement, ImportRun, Response, Role
from tests.conftest import PASSWORD, csrf_from
from tests.integrations.imports import pages

MIB = 1024 * 1024


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _recent() -> str:
    return (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def limit(app) -> int:
    return app.config["MAX_CONTENT_LENGTH"]


@pytest.fixture
def api_key(session) -> str:
    _, raw = api_keys.create(session, name="limits", scopes=[ApiScope.ENGAGEMENTS_WRITE])
    session.commit()
    return raw


def test_the_limits_are_configured_and_the_import_limit_is_the_larger():
    assert config.Config.MAX_CONTENT_LENGTH == 2 * MIB
    assert config.Config.IMPORT_MAX_BYTES > config.Config.MAX_CONTENT_LENGTH


# --- with a Content-Length (the test client) -----------------------------------------------

def _assert_calm_413(response) -> None:
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "That was too large" in response.text
    assert "Traceback" not in response.text


def test_an_oversized_form_gets_a_calm_413_and_stores_nothing(
        make_user, auth, client, session, limit):
    auth.login(make_user())
    token = csrf_from(client.get("/me/conversations/new").text)
    response = client.post("/me/conversations/new", data={
        "csrf_token": token, "customer_name": "N" * limit,
        "customer_email": "casey@client.example", "occurred_at": _recent(), "kind": "call"})
    _assert_calm_413(response)
    assert 'class="staff"' in response.text  # the staff layout, for a signed-in user
    assert _count(session, Engagement) == 0


def test_an_oversized_survey_answer_gets_a_413_on_the_survey_layout(
        make_user, survey_link, client, session, limit):
    _, token = survey_link(make_user())
    csrf = csrf_from(client.get(f"/s/{token}").text)
    response = client.post(f"/s/{token}", data={
        "csrf_token": csrf, "respected": "5", "helped": "5", "pressure": "no",
        "doubtful_promise": "no", "improve_comment": "x" * limit})
    _assert_calm_413(response)
    # The customer's layout: no staff navigation, and the token in the URL stays private.
    assert 'class="public"' in response.text and "Sign out" not in response.text
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert _count(session, Response) == 0


def test_an_oversized_api_body_gets_json_413_with_a_stable_code(
        client, api_key, make_user, session, limit):
    body = {"external_id": "crm-1", "salesperson_id": make_user().id,
            "customer_email": "casey@client.example", "customer_name": "N" * limit,
            "occurred_at": datetime.now(UTC).isoformat(), "kind": "call"}
    response = client.post("/api/v1/engagements", json=body,
                           headers={"Authorization": f"Bearer {api_key}"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert _count(session, Engagement) == 0


def _upload(client, data: bytes):
    return pages.upload(client, data, filename="big.csv", dry_run=True)


def test_the_csv_import_takes_more_than_other_forms_up_to_its_own_limit(
        app, make_user, auth, client, session, limit, monkeypatch):
    """The import route raises the cap to IMPORT_MAX_BYTES for itself (request.max_content
    _length, before anything reads the body); above that, the calm 413 and no run."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", limit + MIB)
    auth.login(make_user(Role.ADMIN))
    # Between the two limits: read and checked (no usable columns: a form error, no run).
    between = b"Name,Phone\n" + b"Kim,123\n" * ((limit + MIB // 2) // 8)
    response = _upload(client, between)
    assert response.status_code == 422
    assert "No column found for" in response.text
    # Above the import limit: refused before it is read.
    above = b"Name,Phone\n" + b"Kim,123\n" * ((limit + 2 * MIB) // 8)
    _assert_calm_413(_upload(client, above))
    assert _count(session, ImportRun) == 0


# --- streamed bodies, through a real HTTP server --------------------------------------------

@pytest.fixture
def server(app) -> Iterator[int]:
    """The app behind Werkzeug's HTTP server on a loopback port; yields the port."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


class Browser:
    """Plain HTTP requests that keep the session cookie, as a browser would."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""

    def _send(self, method: str, path: str, body=None, headers: dict | None = None,
              chunked: bool = False) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {**({"Cookie": self.cookie} if self.cookie else {}), **(headers or {})}
            connection.request(method, path, body=body, headers=headers,
                               encode_chunked=chunked)
            reply = connection.getresponse()
            data = reply.read()
        finally:
            connection.close()
        if reply.getheader("Set-Cookie"):
            self.cookie = reply.getheader("Set-Cookie").split(";", 1)[0]
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, data

    def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        return self._send("GET", path)

    def post_form(self, path: str, fields: dict) -> tuple[int, dict[str, str], bytes]:
        return self._send("POST", path, urlencode(fields),
                          {"Content-Type": "application/x-www-form-urlencoded"})

    def stream(self, path: str, parts: Iterator[bytes], content_type: str,
               headers: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        """POST with Transfer-Encoding: chunked and no Content-Length."""
        return self._send("POST", path, parts, {"Content-Type": content_type,
                                                **(headers or {})}, chunked=True)

    def csrf(self, path: str) -> str:
        status, _, page = self.get(path)
        assert status == 200
        return csrf_from(page.decode())


def _padded(head: bytes, size: int, tail: bytes = b"") -> Iterator[bytes]:
    """`head`, then `size` bytes of "x" in 64 KiB chunks, then `tail`."""
    yield head
    for _ in range(size // (64 * 1024)):
        yield b"x" * (64 * 1024)
    yield tail


def test_a_streamed_api_body_over_the_limit_gets_json_413(server, api_key, make_user,
                                                          session, limit):
    """Werkzeug stops reading a streamed body at the limit without an error; read as
    JSON, the cut body was "invalid_json" (400). parse_body now calls it too large."""
    browser = Browser(server)
    auth = {"Authorization": f"Bearer {api_key}"}
    head = b'{"external_id": "crm-1", "salesperson_id": %d, "customer_name": "' % make_user().id
    status, headers, data = browser.stream(
        "/api/v1/engagements", _padded(head, limit + MIB, b'"}'), "application/json", auth)
    assert status == 413, data
    assert headers["content-type"] == "application/json"
    assert b'"code":"payload_too_large"' in data
    # A streamed body under the limit is read whole: this one is refused for its fields.
    status, _, data = browser.stream(
        "/api/v1/engagements", _padded(head, 64 * 1024, b'"}'), "application/json", auth)
    assert status == 422, data
    assert _count(session, Engagement) == 0


def test_a_streamed_survey_answer_over_the_limit_gets_a_413(server, make_user, survey_link,
                                                            session, limit):
    _, token = survey_link(make_user())
    browser = Browser(server)
    csrf = browser.csrf(f"/s/{token}")
    head = urlencode({"csrf_token": csrf, "respected": "5", "helped": "5", "pressure": "no",
                      "doubtful_promise": "no"}).encode() + b"&improve_comment="
    status, headers, _ = browser.stream(f"/s/{token}", _padded(head, limit + MIB),
                                        "application/x-www-form-urlencoded")
    assert _count(session, Response) == 0
    assert status == 413


@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_a_streamed_csv_upload_over_the_import_limit_gets_a_413(
        app, server, make_user, session, limit, monkeypatch):
    """The multipart parser reads as it goes, so it meets the limit and says so: the calm
    413 page, and no import run."""
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", limit + MIB)
    admin = make_user(Role.ADMIN)
    browser = Browser(server)
    status, headers, _ = browser.post_form("/login", {
        "email": admin.email, "password": PASSWORD, "csrf_token": browser.csrf("/login")})
    assert status == 302 and not headers["location"].endswith("/login")
    csrf = browser.csrf("/admin/imports")
    boundary = "limit-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{csrf}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\nName,Phone\r\n").encode()
    status, headers, page = browser.stream(
        "/admin/imports", _padded(head, limit + 2 * MIB, f"\r\n--{boundary}--\r\n".encode()),
        f"multipart/form-data; boundary={boundary}")
    assert status == 413
    assert re.search(rb"<title>That was too large", page)
    assert _count(session, ImportRun) == 0
    # Werkzeug leaves the half-written upload's temporary file to the garbage collector.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()
