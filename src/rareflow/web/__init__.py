"""The web service: a FastAPI JSON API and the dashboard page (`rareflow serve`)."""

from .app import create_app

__all__ = ["create_app"]
