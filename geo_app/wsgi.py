"""The WSGI entry point for gunicorn."""

from . import create_app

app = create_app()
