"""`rareflow serve`: the JSON API and the dashboard on a local port."""

from __future__ import annotations

import typer
from rich.console import Console

from rareflow.cli.options import NoStoreOption, StoreOption, open_store

console = Console(soft_wrap=True)


def register(app: typer.Typer) -> None:
    @app.command()
    def serve(
        host: str = typer.Option("127.0.0.1", help="address to bind (loopback by default; "
                                 "0.0.0.0 exposes it to your network)"),
        port: int = typer.Option(8000, help="TCP port"),
        store: StoreOption = None,
        no_store: NoStoreOption = False,
        workers: int = typer.Option(2, help="solver threads (solves run at most this many at "
                                    "once)"),
        solve_timeout: float = typer.Option(20.0, "--solve-timeout", help="seconds per solve"),
        request_timeout: float = typer.Option(30.0, "--request-timeout", help="seconds a request "
                                              "may take in all, queue wait included (504 above)"),
        max_body: int = typer.Option(256 * 1024, "--max-body", help="largest request body, "
                                     "bytes (413 above)"),
        max_items: int = typer.Option(500, "--max-items", help="items in one request's overrides "
                                      "(413 above)"),
        max_cells: int = typer.Option(20_000, "--max-size", help="periods × entities of one "
                                      "request's model (413 above)"),
        per_client: int = typer.Option(4, "--per-client", help="requests one client may have "
                                       "queued or running (503 with Retry-After above)"),
        allow_host: list[str] = typer.Option([], "--allow-host", help="a Host header name to "
                                             "answer besides 127.0.0.1/localhost (repeatable; "
                                             "also $RAREFLOW_ALLOW_HOSTS; '*' for any)"),
    ) -> None:
        """Start the web dashboard and JSON API (open http://127.0.0.1:8000/)."""
        import uvicorn

        from rareflow.errors import RareflowError
        from rareflow.web.app import create_app
        from rareflow.web.limits import Limits, allowed_hosts, uvicorn_config

        if min(solve_timeout, request_timeout) <= 0 or min(max_items, max_cells, per_client) < 1:
            raise RareflowError("the time limits must be positive and the size limits at least 1")
        limits = Limits(solve_timeout=solve_timeout, request_timeout=request_timeout,
                        max_items=max_items, max_cells=max_cells, per_client=per_client)
        hosts = allowed_hosts(allow_host, bind=host)
        st = open_store(store, no_store)  # None: runs live in a temporary store removed on exit
        web = create_app(st, workers=workers, max_body=max_body, limits=limits,
                         allow_hosts=hosts)
        where = "a temporary store" if st is None else st.path
        console.print(f"rareflow dashboard on http://{host}:{port}/ (API schema at /openapi.json);"
                      f" runs recorded in {where}. Ctrl-C stops it.")
        if host in ("0.0.0.0", "::") and "*" not in hosts and len(allow_host) == 0:
            console.print("[yellow]note:[/yellow] other machines must reach it by a name given "
                          "with --allow-host NAME (the Host header is checked)")
        uvicorn.Server(uvicorn_config(web, host, port, limits)).run()
