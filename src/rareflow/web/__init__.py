"""The web service: a FastAPI JSON API and the dashboard page (`rareflow serve`).

FastAPI is imported only when the app is asked for, so that every other CLI command starts
without it (measured: 0.23 s of `rareflow run`'s start-up)."""

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from rareflow.web.app import create_app

        return create_app
    raise AttributeError(name)
