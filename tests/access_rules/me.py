"""The salesperson's own space: feedback, reflections, trends, sharing, settings, export.

Ids in URLs point at rows that do not exist: a salesperson gets the same 404 as for a
row that is someone else's; other roles are refused the area (403) before any lookup.
"""

from tests.access_rules import OTHER, SELLER, everyone, only

MISSING_ID = 987654321

RULES = {
    ("me.index", "GET"): only(302, SELLER, OTHER),
    ("me.feedback", "GET"): only(200, SELLER, OTHER),
    ("me.conversations", "GET"): only(200, SELLER, OTHER),
    ("me.log_conversation", "GET"): only(200, SELLER, OTHER),
    ("me.log_conversation", "POST"): everyone(400),
    ("me.reflection", "GET"): only(404, SELLER, OTHER),
    ("me.reflection", "POST"): everyone(400),
    ("me.delete_reflection", "POST"): everyone(400),
    ("me.trends", "GET"): only(200, SELLER, OTHER),
    ("me.sharing", "GET"): only(200, SELLER, OTHER),
    ("me.new_share", "GET"): only(200, SELLER, OTHER),
    ("me.new_share", "POST"): everyone(400),
    ("me.share_detail", "GET"): only(404, SELLER, OTHER),
    ("me.revoke_share", "POST"): everyone(400),
    ("me.share_note", "POST"): everyone(400),
    ("me.settings", "GET"): only(200, SELLER, OTHER),
    ("me.settings", "POST"): everyone(400),
    # Exports are POSTs (each is logged); without a CSRF token nobody gets one.
    ("me.export_csv", "POST"): everyone(400),
    ("me.export_json", "POST"): everyone(400),
}

URL_VALUES = {"response_id": MISSING_ID, "share_id": MISSING_ID}
