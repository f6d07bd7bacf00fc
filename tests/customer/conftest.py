from tests.customer.fixtures import answered  # noqa: F401
