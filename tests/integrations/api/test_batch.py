"""POST /engagements/batch: good items stored, each bad one reported on its own."""

from __future__ import annotations

from sqlalchemy import func, select

from feedback.models import Engagement


def test_mixed_batch_stores_the_good_and_reports_each_bad(api, session, body):
    held = body()
    assert api.post("/engagements", held).status_code == 201
    items = [
        body(),                                   # 0 new
        {"external_id": "no-customer"},           # 1 invalid shape
        held,                                     # 2 already stored, same facts
        {**held, "kind": "demo"},                 # 3 same id, different facts
        body(salesperson_email="ghost@staff.example"),  # 4 unknown salesperson
        "not an object",                          # 5
        body(),                                   # 6 new
    ]
    response = api.post("/engagements/batch", {"items": items})
    assert response.status_code == 200
    result = response.get_json()
    assert (result["created"], result["unchanged"], result["rejected"]) == (2, 1, 4)
    by_index = {r["index"]: r for r in result["results"]}
    assert [by_index[i]["status"] for i in range(7)] == [201, 422, 200, 409, 422, 422, 201]
    assert "customer_email" in by_index[1]["error"]["details"]
    assert by_index[3]["error"]["code"] == "external_id_conflict"
    assert by_index[4]["error"]["details"] == {
        "salesperson_email": ["No active salesperson has this address or id."]}
    assert by_index[0]["engagement"]["external_id"] == items[0]["external_id"]
    session.expire_all()
    stored = set(session.scalars(select(Engagement.external_id)))
    assert stored == {held["external_id"], items[0]["external_id"], items[6]["external_id"]}


def test_the_same_id_twice_in_one_batch_is_created_once(api, session, body):
    item = body()
    result = api.post("/engagements/batch", {"items": [item, item]}).get_json()
    assert [r["status"] for r in result["results"]] == [201, 200]
    assert session.scalar(select(func.count(Engagement.id))) == 1


def test_batch_limits_are_enforced_as_json(api, body):
    for envelope in ({"items": []}, {"items": [body()] * 1001}, {"items": "x"}, [body()]):
        response = api.post("/engagements/batch", envelope)
        assert response.status_code == 422, str(envelope)[:80]
        assert response.get_json()["error"]["code"] == "validation_error"
