"""The coaching inbox: salespeople and managers; a share id you are not the coach of is 404."""

from tests.access_rules import MANAGER, OTHER, SELLER, everyone, only

RULES = {
    ("coaching.inbox", "GET"): only(200, SELLER, OTHER, MANAGER),
    ("coaching.share", "GET"): only(404, SELLER, OTHER, MANAGER),
    ("coaching.add_note", "POST"): everyone(400),
}

URL_VALUES = {"share_id": 987654321, "response_id": 987654321}
