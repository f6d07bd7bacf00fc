"""The access matrix, one module per area. Each module defines

    RULES: dict[(endpoint, method), dict[visitor, expected status]]
    URL_VALUES: dict[url argument, value]   (optional)

and tests/test_access.py checks every route of the app against the union.
A 302 for a signed-out visitor means "sent to the login page"."""

from __future__ import annotations

import importlib
import pkgutil

ANON, SELLER, OTHER, MANAGER, ADMIN, PRODUCT = (
    "anonymous", "salesperson", "other salesperson", "manager", "admin", "product")
WHO = (ANON, SELLER, OTHER, MANAGER, ADMIN, PRODUCT)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(WHO, status)


def only(status: int, *allowed: str, others: int = 403, anonymous: int = 302) -> dict[str, int]:
    """`status` for the `allowed` visitors, `others` for the rest, `anonymous` signed out."""
    rules = dict.fromkeys(WHO, others)
    rules[ANON] = anonymous
    rules.update(dict.fromkeys(allowed, status))
    return rules


def load_rules():
    matrix, values = {}, {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        overlap = set(matrix) & set(module.RULES)
        assert not overlap, f"{module_info.name} repeats rules for {overlap}"
        matrix.update(module.RULES)
        values.update(getattr(module, "URL_VALUES", {}))
    return matrix, values
