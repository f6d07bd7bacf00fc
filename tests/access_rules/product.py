"""Product colleagues: the product feedback feed."""

from tests.access_rules import PRODUCT, only

RULES = {
    ("product.feed", "GET"): only(200, PRODUCT),
}
