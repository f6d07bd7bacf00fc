from tests.survey.rights.fixtures import answered  # noqa: F401
