"""The JSON API: a key, not a session, authenticates, so every visitor without one gets 401.

The OpenAPI document is public (it describes the API and holds no data).
"""

from tests.access_rules import everyone

RULES = {
    ("api.openapi_document", "GET"): everyone(200),
    ("api.create_engagement", "POST"): everyone(401),
    ("api.create_batch", "POST"): everyone(401),
    ("api.get_engagement", "GET"): everyone(401),
    ("api.find_engagement", "GET"): everyone(401),
    ("api.add_suppression", "POST"): everyone(401),
    ("api.lift_suppression", "DELETE"): everyone(401),
}

URL_VALUES = {"engagement_id": 987654}
