"""Entry point for gunicorn and `flask --app wsgi`; the config comes from FEEDBACK_ENV."""

from feedback import create_app

app = create_app()
