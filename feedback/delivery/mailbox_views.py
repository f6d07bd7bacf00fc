"""The development mailbox: mail the app would have sent, readable in the browser.

Registered only when DEV_MAILBOX_ENABLED (development), so production has no such URL.
"""

from __future__ import annotations

import email
import re
from email import policy

from flask import Response, abort, render_template

from feedback.core.access import public
from feedback.delivery import mailbox_bp as bp
from feedback.delivery.transport import dev_mailbox_folder

#: The email preview is framed by the message page; it may run nothing and load nothing.
_PREVIEW_OPTIONS = {
    "content_security_policy": {
        "sandbox": "allow-popups allow-popups-to-escape-sandbox "
                   "allow-top-navigation-by-user-activation",
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",  # emails carry their styles inline
        "frame-ancestors": "'self'",
    },
    "frame_options": "SAMEORIGIN",
}
_NAME = re.compile(r"^[0-9]{15}-[A-Za-z0-9.-]{1,80}\.eml$")


def _messages():
    folder = dev_mailbox_folder()
    if not folder.exists():
        return []
    return sorted((p for p in folder.iterdir() if _NAME.match(p.name)), reverse=True)


def _load(name: str):
    if not _NAME.match(name):
        abort(404)
    path = dev_mailbox_folder() / name
    if not path.is_file():
        abort(404)
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


@bp.get("/mailbox")
@public
def mailbox():
    rows = []
    for path in _messages()[:200]:
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        rows.append({"name": path.name, "subject": message["Subject"], "to": message["To"],
                     "from": message["From"], "date": message["Date"]})
    return render_template("dev/mailbox.html", rows=rows)


@bp.get("/mailbox/<name>")
@public
def message(name: str):
    parsed = _load(name)
    text = parsed.get_body(preferencelist=("plain",))
    return render_template("dev/message.html", name=name, message=parsed,
                           text=text.get_content() if text else "",
                           headers=list(parsed.items()))


@bp.get("/mailbox/<name>/html")
@public
def message_html(name: str):
    part = _load(name).get_body(preferencelist=("html",))
    if part is None:
        abort(404)
    # Shown as the recipient would see it, sandboxed: no scripts, no same-origin access.
    return Response(part.get_content(), mimetype="text/html")


message_html.talisman_view_options = _PREVIEW_OPTIONS  # read by Flask-Talisman
