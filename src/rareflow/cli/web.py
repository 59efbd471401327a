"""`rareflow serve`: the JSON API and the dashboard on a local port."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

console = Console(soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="address to bind (loopback by default; "
                                 "0.0.0.0 exposes it to your network)"),
        port: int = typer.Option(8000, help="TCP port"),
        store: Path = typer.Option(None, "--store", help="run store (default: $RAREFLOW_STORE "
                                   "or ~/.rareflow/runs.duckdb)"),
        no_store: bool = typer.Option(False, "--no-store", help="keep runs in a temporary store "
                                      "removed on exit"),
        workers: int = typer.Option(2, help="solver threads (solves run at most this many at "
                                    "once)"),
        solve_timeout: float = typer.Option(20.0, "--solve-timeout", help="seconds per solve"),
        max_body: int = typer.Option(256 * 1024, "--max-body", help="largest request body, "
                                     "bytes (413 above)"),
    ) -> None:
        """Start the web dashboard and JSON API (open http://127.0.0.1:8000/)."""
        import uvicorn

        from rareflow.store import RunStore, default_path
        from rareflow.web.app import create_app

        st = None if no_store else RunStore(store or default_path())
        web = create_app(st, workers=workers, solve_timeout=solve_timeout, max_body=max_body)
        where = "a temporary store" if st is None else st.path
        console.print(f"rareflow dashboard on http://{host}:{port}/ (API schema at /openapi.json);"
                      f" runs recorded in {where}. Ctrl-C stops it.")
        uvicorn.run(web, host=host, port=port, log_level="warning")
