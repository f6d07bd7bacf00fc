"""The salesperson's own space."""

from tests.access_rules import OTHER, SELLER, everyone, only

RULES = {
    ("me.index", "GET"): only(302, SELLER, OTHER),
    ("me.feedback", "GET"): only(200, SELLER, OTHER),
    ("me.conversations", "GET"): only(200, SELLER, OTHER),
    ("me.log_conversation", "GET"): only(200, SELLER, OTHER),
    ("me.log_conversation", "POST"): everyone(400),
}
