"""The logs carry no customer addresses, comments, tokens, keys or passwords.

The whole journey runs with every logger at DEBUG (the app's, Flask's, Werkzeug's,
SQLAlchemy's pool and ORM, gunicorn's, the limiter's) and with stdout and stderr
captured: staff sign-ins (one failed), an invitation and its set-password link, a
forgotten password, a conversation logged through the pages, the worker mailing it over
SMTP (one address refused with a reply that quotes it), the customer answering with a
comment, an error while saving an answer, unsubscribing and deleting, an API call with a
key (and one with a wrong key), a CSV import and a weekly digest that bounces. Every
record, formatted with its traceback, and everything printed is then searched for each
secret. A planted secret is found through each of those channels, so the search works.

SQLAlchemy's statement echo (``sqlalchemy.engine``) is the one logger left at its own
level: at INFO it prints every statement with its parameters, which is a copy of the
database by design. The app never turns it on, and the test checks that.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from urllib.request import urlopen

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from werkzeug.serving import make_server

from feedback.cli.digests import send_digests
from feedback.core.extensions import db
from feedback.delivery.worker import send_due
from feedback.models import Role, User
from feedback.survey import answers
from tests.coaching.helpers import released_answer
from tests.conftest import PASSWORD, csrf_from
from tests.integrations.imports import pages

#: Loggers that exist whether or not anything has used them yet in this process.
NAMED = ("werkzeug", "flask.app", "feedback", "sqlalchemy.pool",
         "sqlalchemy.orm", "gunicorn", "gunicorn.error", "gunicorn.access", "flask_limiter",
         "flask_wtf", "alembic", "py.warnings", "smtplib")
#: Not ours: the statement echo (see above) and the test's stand-in SMTP relay (aiosmtpd
#: logs every envelope, as a real relay's own log would).
LEFT_ALONE = ("sqlalchemy.engine", "mail.log")
SURVEY = re.compile(r"https://feedback\.test/s/([A-Za-z0-9_-]+)(?=\s)")
ACCOUNT_LINK = re.compile(r"https://feedback\.test/account/set-password/([A-Za-z0-9_-]+)")


class Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(LEFT_ALONE):
            self.records.append(record)

    def texts(self) -> list[str]:
        # format() adds the traceback and stack, as a log file would hold them.
        return [self.format(record) for record in self.records]


@pytest.fixture
def logs(app, capfd):
    """Every logger at DEBUG into one handler; printed output captured alongside."""
    assert not app.config.get("SQLALCHEMY_ECHO")
    with app.app_context():
        assert not db.engine.echo
    capture = Capture()
    names = set(logging.root.manager.loggerDict) | set(NAMED) | {app.logger.name}
    # Not "sqlalchemy" itself: the statement echo would inherit its level.
    names = {n for n in names if not n.startswith(LEFT_ALONE) and n != "sqlalchemy"}
    saved = {name: (logging.getLogger(name).level, logging.getLogger(name).disabled)
             for name in names}
    root_level = logging.root.level
    logging.root.setLevel(logging.DEBUG)
    logging.root.addHandler(capture)
    for name in names:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
        if not logger.propagate:
            logger.addHandler(capture)
    try:
        yield capture, capfd
    finally:
        logging.root.removeHandler(capture)
        logging.root.setLevel(root_level)
        for name, (level, disabled) in saved.items():
            logger = logging.getLogger(name)
            logger.setLevel(level)
            logger.disabled = disabled
            logger.removeHandler(capture)


def leaks(capture: Capture, printed: str, secrets: dict[str, str]) -> dict[str, list[str]]:
    """secret name -> the log lines (or printed output) that contain it, case-insensitively."""
    haystacks = [*capture.texts(), printed]
    found = {}
    for name, secret in secrets.items():
        forms = {secret.lower(), quote(secret, safe="").lower()}
        hits = [text[:300] for text in haystacks if any(f in text.lower() for f in forms)]
        if hits:
            found[name] = hits
    return found


def _post(client, url: str, data: dict, page: str | None = None):
    token = csrf_from(client.get(page or url).text)
    return client.post(url, data={**data, "csrf_token": token})


def _journey(app, session, smtp_server, make_user, monkeypatch) -> dict[str, str]:
    """Everything a day of use does; returns the secrets it handled."""
    secrets = {"admin password": PASSWORD, "wrong password": "Wrong-Horse-Battery-77"}
    admin = make_user(Role.ADMIN, email="ada.admin@staff.example")
    boss = app.test_client()
    assert _post(boss, "/login", {"email": admin.email, "password": secrets["wrong password"]}
                 ).status_code != 302
    assert _post(boss, "/login", {"email": admin.email, "password": PASSWORD}).status_code == 302

    team = _post(boss, "/admin/teams/new", {"name": "Harbour Team"})
    team_id = int(team.headers["Location"].rsplit("/", 1)[1])
    secrets["seller email"] = "quentin.seller@staff.example"
    _post(boss, "/admin/users/invite", {"name": "Quentin Seller", "role": "salesperson",
                                        "email": secrets["seller email"], "team": team_id})
    [invite] = smtp_server.messages_to(secrets["seller email"])
    secrets["invite token"] = ACCOUNT_LINK.search(_text(invite)).group(1)
    secrets["seller password"] = "Tangerine-Lighthouse-42"
    newcomer = app.test_client()
    assert _post(newcomer, f"/account/set-password/{secrets['invite token']}", {
        "password": secrets["seller password"],
        "confirm": secrets["seller password"]}).status_code == 302
    keys = _post(boss, "/admin/keys", {"name": "CRM sync", "scopes": "engagements:write"})
    secrets["api key"] = re.search(r'class="secret-value">([^<]+)<', keys.text).group(1)
    secrets["api key secret part"] = secrets["api key"].split("_", 1)[1]

    seller = app.test_client()
    _post(seller, "/login", {"email": secrets["seller email"], "password": "not-it-at-all"})
    assert _post(seller, "/login", {"email": secrets["seller email"],
                                    "password": secrets["seller password"]}).status_code == 302
    secrets["session cookie"] = seller.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    secrets |= {"customer email": "rosalind.quibble@client.example",
                "customer email as typed": "Rosalind.Quibble@Client.example",
                "customer name": "Rosalind Quibbleworth", "company": "Zephyrine Ltd"}
    assert _post(seller, "/me/conversations/new", {
        "customer_name": secrets["customer name"], "company": secrets["company"],
        "customer_email": secrets["customer email as typed"], "kind": "demo",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M"),
    }).status_code == 302
    secrets["refused email"] = "ottoline.bounce@client.example"
    smtp_server.behaviour.rcpt_replies[secrets["refused email"]] = (
        f"550 5.1.1 <{secrets['refused email']}>: Recipient address rejected")
    _post(seller, "/me/conversations/new", {
        "customer_name": "Ottoline Bounce", "company": "", "kind": "call",
        "customer_email": secrets["refused email"],
        "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")})

    secrets["api customer email"] = "barnaby.api@client.example"
    api = app.test_client().post("/api/v1/engagements", headers={
        "Authorization": f"Bearer {secrets['api key']}"}, json={
        "external_id": "crm-77", "salesperson_email": secrets["seller email"],
        "customer_email": secrets["api customer email"], "customer_name": "Barnaby Api",
        "occurred_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(), "kind": "call"})
    assert api.status_code == 201, api.text
    wrong = app.test_client().get("/api/v1/engagements/1", headers={
        "Authorization": f"Bearer {secrets['api key']}x"})
    assert wrong.status_code == 401

    secrets["csv customer email"] = "cordelia.csv@client.example"
    _import(boss, secrets)

    result = send_due(app)
    assert (result.sent, result.failed) == (3, 1), result
    [survey] = smtp_server.messages_to(secrets["customer email"])
    secrets["survey token"] = SURVEY.search(_text(survey)).group(1)
    _customer(app, secrets, monkeypatch)

    # A digest whose mail the relay refuses, quoting the address.
    seller_user = session.scalars(select(User).where(User.email == secrets["seller email"])).one()
    released_answer(session, seller_user, comment="Digest-only remark about pricing")
    smtp_server.behaviour.rcpt_replies[secrets["seller email"]] = (
        f"550 5.1.1 <{secrets['seller email']}>: mailbox unavailable")
    assert send_digests(app).failed == 1
    del smtp_server.behaviour.rcpt_replies[secrets["seller email"]]

    forgot = app.test_client()
    # The mail goes once the response is closed (so its timing tells nothing).
    _post(forgot, "/account/forgot-password", {"email": secrets["seller email"]}).close()
    invited, reset = [r for r in smtp_server.messages_to(secrets["seller email"])
                      if "set-password" in _text(r)]
    secrets["reset token"] = ACCOUNT_LINK.search(_text(reset)).group(1)
    return secrets


def _import(boss, secrets: dict[str, str]) -> None:
    when = (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    data = ("CRM ID,Salesperson,Email,Name,Company,Date,Type\n"
            f"c1,{secrets['seller email']},{secrets['csv customer email']},Cordelia,,"
            f"{when},call\n"
            f"c2,{secrets['seller email']},not-an-address,Nobody,,{when},call\n")
    token = csrf_from(boss.get("/admin/imports").text)
    response = boss.post("/admin/imports", data={
        "csrf_token": token, "file": (io.BytesIO(data.encode()), "crm.csv")},
        content_type="multipart/form-data")
    response.request.environ["wsgi.input"].close()
    assert response.status_code == 303
    _wait_for_import(boss, response.headers["Location"])


def _wait_for_import(boss, location: str) -> None:
    pages.finished_page(boss, location)


def _customer(app, secrets: dict[str, str], monkeypatch) -> None:
    """Open the link, fail once (an error while saving), answer, unsubscribe, delete."""
    secrets |= {"comment": "Plumtree sentence about the slow onboarding",
                "promise note": "Marmalade integration promised",
                "product comment": "Quokka export button please"}
    path = f"/s/{secrets['survey token']}"
    customer = app.test_client()
    form = {"respected": "4", "helped": "3", "pressure": "no", "doubtful_promise": "yes",
            "promise_note": secrets["promise note"], "improve_comment": secrets["comment"],
            "product_comment": secrets["product comment"], "product_contact_ok": "y",
            "reveal_identity": "y"}
    assert customer.post(path, data=form).status_code == 400  # no CSRF token

    def broken_save(*args, **kwargs):
        # What a database refusing the row raises: the statement and its parameters.
        raise sa_exc.IntegrityError(
            "INSERT INTO responses (improve_comment) VALUES (%(c)s)",
            {"c": secrets["comment"], "email": secrets["customer email"]},
            Exception(f"duplicate key: Key (email)=({secrets['customer email']})"))

    with monkeypatch.context() as patch:
        patch.setattr(answers, "record", broken_save)
        assert _post(customer, path, form).status_code == 500
    assert _post(customer, path, form).status_code == 303
    customer.get(path + "/thanks")
    assert customer.post(f"/u/{secrets['survey token']}").status_code == 200
    assert _post(customer, path + "/delete", {}).status_code in (200, 303)


def _text(received) -> str:
    return received.message.get_body(("plain",)).get_content()


def test_the_journey_logs_no_secret(app, session, smtp_server, make_user, monkeypatch, logs):
    """With every logger at DEBUG, no line of the journey's logs or output holds a customer
    address, name or comment, a survey or account token, an API key, a session cookie or a
    password."""
    capture, capfd = logs
    secrets = _journey(app, session, smtp_server, make_user, monkeypatch)
    out, err = capfd.readouterr()
    sys.stdout.write(out)
    sys.stderr.write(err)
    # The capture saw the journey (so an empty search proves something): the worker's
    # outcome, the refused address's warning and the 500's error were all recorded.
    names = {record.name for record in capture.records}
    levels = {record.levelno for record in capture.records}
    assert {"feedback.delivery.outbox", app.logger.name} <= names, names
    assert {logging.DEBUG, logging.WARNING, logging.ERROR} <= levels
    assert leaks(capture, out + err, secrets) == {}


@pytest.mark.parametrize("channel", ["app logger", "service logger", "werkzeug", "sqlalchemy pool",
                                     "gunicorn error", "exception text", "print", "stderr"])
def test_a_planted_secret_is_found(app, logs, channel):
    """The search is not blind: a secret that reaches any channel is reported."""
    capture, capfd = logs
    secret = "Rosalind.Quibble@Client.example"
    if channel == "app logger":
        app.logger.debug("customer %s", secret)
    elif channel == "service logger":
        logging.getLogger("feedback.delivery.outbox").info("to %s", secret.lower())
    elif channel == "werkzeug":
        logging.getLogger("werkzeug").info('"GET /s/%s HTTP/1.1" 200 -', quote(secret))
    elif channel == "sqlalchemy pool":
        logging.getLogger("sqlalchemy.pool").debug("checked out %s", secret)
    elif channel == "gunicorn error":
        logging.getLogger("gunicorn.error").warning("worker saw %s", secret)
    elif channel == "exception text":
        try:
            raise ValueError(secret)
        except ValueError:
            logging.getLogger("feedback").exception("failed")
    elif channel == "print":
        print("debug:", secret)  # noqa: T201 - printing is the channel under test
    else:
        sys.stderr.write(f"warning: {secret}\n")
    out, err = capfd.readouterr()
    assert leaks(capture, out + err, {"customer email": secret}) != {}


def test_request_logs_of_a_real_server_hold_no_token(app, make_user, survey_link, logs):
    """Served by Werkzeug's own server (what `make run` uses), opening a survey link and
    a set-password link writes neither token to the log."""
    capture, capfd = logs
    _, token = survey_link(make_user())
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (f"/s/{token}", f"/u/{token}"):
            urlopen(f"http://127.0.0.1:{server.server_port}{path}", timeout=10).read()  # noqa: S310
    finally:
        server.shutdown()
        thread.join()
    assert any(record.name == "werkzeug" for record in capture.records)
    out, err = capfd.readouterr()
    assert leaks(capture, out + err, {"survey token": token}) == {}
