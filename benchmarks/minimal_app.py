"""The baseline for benchmarks/survey_load.py: the least a correct survey page can do.

Plain Flask, no ORM, no extensions but Flask-WTF's CSRFProtect (the same
session-bound CSRF check the real form uses). GET looks the token up by its
SHA-256 (one indexed SELECT) and renders a form padded to the real page's
byte size; POST checks CSRF, validates the answers, looks the token up and
INSERTs one row, in one transaction, then redirects with 303 like the real app.
On SQLite it sets the same connection pragmas as the real app.

Configured by environment (gunicorn imports `app`):
  MINI_DATABASE_URL  SQLAlchemy URL (the same database the benchmark created)
  MINI_SECRET_KEY    session signing key
  MINI_PAGE_BYTES    pad the rendered form to about this many bytes
"""

from __future__ import annotations

import hashlib
import os
import re

from flask import Flask, abort, redirect, render_template, request
from flask_wtf.csrf import CSRFProtect, generate_csrf
from jinja2 import DictLoader
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32}$")
SCALE = ["Not at all", "Not really", "Somewhat", "Mostly", "Completely"]
QUESTIONS = [
    ("respected", "Did you feel respected?", [(str(i + 1), f"{i + 1} – {label}")
                                              for i, label in enumerate(SCALE)]),
    ("helped", "Did you feel helped with your problem?", [(str(i + 1), f"{i + 1} – {label}")
                                                         for i, label in enumerate(SCALE)]),
    ("pressure", "Did you feel pressured to decide?",
     [("no", "No"), ("a_little", "A little"), ("yes", "Yes")]),
    ("doubtful_promise", "Was anything promised that you are not sure exists?",
     [("no", "No"), ("yes", "Yes")]),
]

FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>How was your conversation with {{ first_name }}?</title>
<link rel="stylesheet" href="/static/feedback.css"></head>
<body class="public"><main id="main" class="public-main"><article class="survey">
<h1>How was your conversation with {{ first_name }}?</h1>
<form method="post" action="/s/{{ token }}" novalidate>
<input id="csrf_token" name="csrf_token" type="hidden" value="{{ csrf_token() }}">
{% for name, legend, options in questions %}
<fieldset class="question"><legend>{{ legend }}</legend><div class="choices">
{% for value, label in options %}
<label class="choice" for="{{ name }}-{{ loop.index0 }}"><input aria-invalid="false"
 id="{{ name }}-{{ loop.index0 }}" name="{{ name }}" type="radio" value="{{ value }}">
<span>{{ label }}</span></label>
{% endfor %}</div></fieldset>
{% endfor %}
<div class="field"><label for="promise_note">What was it? (optional)</label>
<textarea id="promise_note" name="promise_note" rows="2" maxlength="1000"></textarea></div>
<div class="field"><label for="improve_comment">What could {{ first_name }} do better?</label>
<textarea id="improve_comment" name="improve_comment" rows="4" maxlength="2000"></textarea></div>
<div class="field"><label for="product_comment">Anything for our product team?</label>
<textarea id="product_comment" name="product_comment" rows="3" maxlength="2000"></textarea>
<label class="checkbox"><input id="product_contact_ok" name="product_contact_ok"
 type="checkbox" value="y"> The product team may contact me</label></div>
<label class="checkbox"><input id="reveal_identity" name="reveal_identity" type="checkbox"
 value="y"> You may tell {{ first_name }} who I am</label>
<button type="submit">Send my answers</button></form>
<p>{{ padding }}</p></article></main></body></html>
"""

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS mini_tokens (
         token_hash VARCHAR(64) PRIMARY KEY,
         first_name VARCHAR(120) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS mini_answers (
         id {serial} PRIMARY KEY,
         token_hash VARCHAR(64) NOT NULL REFERENCES mini_tokens(token_hash),
         respected INTEGER NOT NULL, helped INTEGER NOT NULL,
         pressure VARCHAR(16) NOT NULL, doubtful_promise BOOLEAN NOT NULL,
         promise_note VARCHAR(1000) NOT NULL, improve_comment TEXT NOT NULL,
         product_comment TEXT NOT NULL, product_contact_ok BOOLEAN NOT NULL,
         reveal_identity BOOLEAN NOT NULL, submitted_at TIMESTAMP NOT NULL)""",
]
INSERT = text(
    "INSERT INTO mini_answers (token_hash, respected, helped, pressure, doubtful_promise,"
    " promise_note, improve_comment, product_comment, product_contact_ok, reveal_identity,"
    " submitted_at) VALUES (:h, :respected, :helped, :pressure, :doubtful, :note, :improve,"
    " :product, :contact, :reveal, CURRENT_TIMESTAMP)"
)
LOOKUP = text("SELECT first_name FROM mini_tokens WHERE token_hash = :h")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def create_schema(engine: Engine, raw_tokens: list[str], first_name: str = "Ana") -> None:
    """Tables and token rows for the baseline (called by the benchmark, not by the app)."""
    serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    with engine.begin() as conn:
        for statement in SCHEMA:
            conn.execute(text(statement.format(serial=serial)))
        conn.execute(text("INSERT INTO mini_tokens (token_hash, first_name) VALUES (:h, :n)"),
                     [{"h": hash_token(raw), "n": first_name} for raw in raw_tokens])


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=5000",
                   "foreign_keys=ON"):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def create_app(database_url: str, secret_key: str, page_bytes: int = 0) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret_key, WTF_CSRF_TIME_LIMIT=None)
    app.jinja_loader = DictLoader({"form.html": FORM})
    CSRFProtect(app)
    engine = create_engine(database_url)
    if engine.dialect.name == "sqlite":
        # The same connection settings as feedback.core.extensions gives our app (its listener
        # is not loaded in this process): WAL, no fsync per commit, wait for the lock,
        # foreign keys enforced. Without them this baseline would fsync every answer.
        event.listen(engine, "connect", _tune_sqlite)
    padding = ""

    @app.after_request
    def headers(response):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    def first_name_for(conn, token: str) -> str:
        if not _TOKEN_SHAPE.match(token):
            abort(404)
        name = conn.execute(LOOKUP, {"h": hash_token(token)}).scalar()
        if name is None:
            abort(404)
        return name

    @app.route("/s/<token>", methods=["GET", "POST"])
    def answer(token: str):
        if request.method == "GET":
            with engine.connect() as conn:
                name = first_name_for(conn, token)
            return render_template("form.html", token=token, first_name=name,
                                   questions=QUESTIONS, padding=padding)
        form = request.form
        try:
            respected, helped = int(form["respected"]), int(form["helped"])
        except (KeyError, ValueError):
            abort(422)
        if respected not in range(1, 6) or helped not in range(1, 6):
            abort(422)
        if form.get("pressure") not in ("no", "a_little", "yes"):
            abort(422)
        if form.get("doubtful_promise") not in ("no", "yes"):
            abort(422)
        with engine.begin() as conn:
            first_name_for(conn, token)
            conn.execute(INSERT, {
                "h": hash_token(token), "respected": respected, "helped": helped,
                "pressure": form["pressure"], "doubtful": form["doubtful_promise"] == "yes",
                "note": form.get("promise_note", "")[:1000],
                "improve": form.get("improve_comment", "")[:2000],
                "product": form.get("product_comment", "")[:2000],
                "contact": bool(form.get("product_contact_ok")),
                "reveal": bool(form.get("reveal_identity")),
            })
        return redirect(f"/s/{token}/thanks", code=303)

    # Pad the page to the real form's size, measured with a representative CSRF token.
    with app.test_request_context():
        generate_csrf()
        bare = len(render_template("form.html", token="x" * 32, first_name="Ana",
                                   questions=QUESTIONS, padding="").encode())
    padding = "." * max(0, page_bytes - bare)
    return app


if os.environ.get("MINI_DATABASE_URL"):
    app = create_app(os.environ["MINI_DATABASE_URL"], os.environ["MINI_SECRET_KEY"],
                     int(os.environ.get("MINI_PAGE_BYTES", "0")))
