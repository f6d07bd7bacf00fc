"""What reaches the logs: request lines without the secret tokens in survey and
set-password URLs (a request log would otherwise hold working links)."""

from __future__ import annotations

import logging
import re

_TOKEN_PATHS = re.compile(r"/(s|u|account/set-password)/[A-Za-z0-9_-]{16,}")
#: Loggers that write request lines: Flask's development server and gunicorn's access log.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


class RedactTokens(logging.Filter):
    """Replace a token in a logged URL path with `<token>`."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _TOKEN_PATHS.sub(lambda match: f"/{match.group(1)}/<token>", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def init_app(level: str) -> None:
    """Configure logging once, and put the token filter on every request logger."""
    logging.basicConfig(level=level)
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
