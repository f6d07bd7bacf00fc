"""Export my data: CSV and JSON, as I may see it, formulas neutralised, logged."""

from __future__ import annotations

import csv
import io
import json

from sqlalchemy import select

from feedback.coaching import my_data as exports
from feedback.coaching import reflections
from feedback.models import AuditEvent
from tests.coaching.helpers import released_answer


def _download(client, post_form, fmt: str):
    return post_form(f"/me/export.{fmt}", {}, page_url="/me/settings")


def test_csv_has_my_answers_and_reflections_and_no_anonymous_names(client, auth, post_form,
                                                                   session, make_user):
    ana, ben = make_user(), make_user()
    named = released_answer(session, ana, named=True, customer_name="Rosa Díaz",
                            company="Brightline", comment="Clear.")
    released_answer(session, ana, customer_name="Secret Name", company="Secret Co",
                    comment="Rushed.")
    released_answer(session, ben, comment="Ben's answer")
    reflections.save(session, ana, named.id, "Keep doing this.")
    session.commit()
    auth.login(ana)
    response = _download(client, post_form, "csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="my-feedback-')
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    by_comment = {row["what_to_do_better"]: row for row in rows}
    assert by_comment["Clear."]["customer"] == "Rosa Díaz"
    assert by_comment["Clear."]["my_reflection"] == "Keep doing this."
    anonymous = by_comment["Rushed."]
    assert anonymous["customer"] == anonymous["company"] == anonymous["conversation_date"] == ""
    assert "Secret" not in response.text and "Ben's answer" not in response.text


def test_csv_cells_that_look_like_formulas_are_neutralised(session, make_user):
    ana = make_user()
    for text in ("=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tindent", "\rreturn",
                 "plain"):
        released_answer(session, ana, comment=text)
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(exports.my_rows(session, ana)))))
    cells = sorted(row["what_to_do_better"] for row in rows)
    assert cells == sorted(["'=HYPERLINK(\"http://x\")", "'+1", "'-2", "'@SUM(A1)", "'\tindent",
                            "'\rreturn", "plain"])
    assert exports.neutralise(5) == 5


def test_json_export_and_the_audit_log(client, auth, post_form, session, make_user):
    ana = make_user(name="Ana Lopez")
    answer = released_answer(session, ana, comment="=not a formula in JSON")
    reflections.save(session, ana, answer.id, "noted")
    session.commit()
    auth.login(ana)
    response = _download(client, post_form, "json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    document = json.loads(response.text)
    assert document["salesperson"] == "Ana Lopez"
    [row] = document["answers"]
    assert row["what_to_do_better"] == "=not a formula in JSON"  # JSON needs no quoting
    assert row["my_reflection"] == "noted" and row["customer"] is None
    session.expire_all()
    [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "export.my_data"))
    assert event.actor_id == ana.id
    assert event.details == {"format": "json", "answers": 1, "reflections": 1}


def test_an_export_is_a_post_not_a_link(client, auth, make_user):
    auth.login(make_user())
    assert client.get("/me/export.csv").status_code == 405
