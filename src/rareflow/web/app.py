"""The FastAPI app: a JSON API (OpenAPI at /docs and /openapi.json) and the dashboard at `/`.

Safety: binds loopback by default (see `rareflow serve`) and answers only to loopback Host
names unless told otherwise (400), names scenarios only from its catalog (built-in names,
never paths), validates every body with pydantic and the scenario schema, refuses bodies over
`max_body` bytes (413) or arriving too slowly (408), overlays and models bigger than one
request may be (413), bounds each request's wall time, queue wait included (504), shares its
solver workers by client on a bounded queue (503 with Retry-After when full), reads the store
on threads of their own, and writes nothing but its run store. The bounds are in
`rareflow.web.limits`; every status a route returns is in its OpenAPI entry.
"""

from __future__ import annotations

import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi import Path as FPath
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator
from starlette.exceptions import HTTPException as StarletteHTTPException

from rareflow import __version__
from rareflow.errors import MAX_PROBLEMS, RareflowError, ScenarioError, SolveError
from rareflow.report import charts
from rareflow.results.jsonsafe import jsonable
from rareflow.scenario.schema import Scenario
from rareflow.store import RunStore, StoreError
from rareflow.web.levers import Catalog, LeverError
from rareflow.web.limits import (
    BodyLimit,
    Busy,
    HostCheck,
    Limits,
    Timing,
    TooBig,
    TooLong,
    allowed_hosts,
    check_overlay,
)
from rareflow.web.service import NotFound, RunService, backtest_json, comparison_json, run_json

NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
OVERRIDE_BLOCKS = sorted(set(Scenario.model_fields) - {"name", "extends"})


# ---- request bodies ---------------------------------------------------------------------------
class RunRequest(BaseModel):
    """Run a scenario with lever values and/or overrides (an overlay shaped like a scenario
    file: lists merge by `id`, `{"id": x, "remove": true}` deletes an item)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scenario": "baseline-2024", "levers": {"india_halt": True}},
        {"scenario": "baseline-2024", "overrides": {
            "events": [{"id": "india-japan-2012", "remove": True}],
            "facilities": [{"id": "irel-oscom", "capacity": 5800}]}},
    ]})

    scenario: str = Field(..., pattern=NAME, description="a scenario name from /api/scenarios")
    levers: dict[str, Any] = Field(default_factory=dict, max_length=200,
                                   description="lever id → value (see /api/scenarios/{name})")
    overrides: dict[str, Any] | None = Field(
        default=None, description="an overlay shaped like a scenario file, laid over last; "
        f"blocks: {', '.join(OVERRIDE_BLOCKS)}")
    compare_with: str = Field("auto", pattern=r"^(auto|none|[A-Za-z0-9][A-Za-z0-9_.-]{0,99})$",
                              description="'auto' (the scenario as published when levers "
                              "change it, else the scenario it extends), 'none', or a name")
    region: str = Field("auto", max_length=40, description="Sankey region: 'auto', 'all' or an id")
    period: str = Field("auto", max_length=20, description="Sankey period: 'auto' or a label")

    @field_validator("overrides")
    @classmethod
    def _blocks(cls, v: dict[str, Any] | None) -> dict[str, Any] | None:
        if v is None:
            return v
        bad = [k for k in v if k not in OVERRIDE_BLOCKS]
        if bad:
            more = f" and {len(bad) - 10:,} more" if len(bad) > 10 else ""
            raise ValueError(f"unknown or forbidden block(s) {', '.join(map(repr, bad[:10]))}"
                             f"{more}; overrides may set: {', '.join(OVERRIDE_BLOCKS)}")
        return v


# ---- errors -------------------------------------------------------------------------------------
def _error(status: int, message: str, problems: list[dict] | None = None, more: int = 0,
           headers: dict[str, str] | None = None) -> JSONResponse:
    """Every error answer: a status, a sentence, at most MAX_PROBLEMS problems (path, message,
    fix) and how many more there were."""
    problems = problems or []
    if len(problems) > MAX_PROBLEMS:
        more += len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS]
    return JSONResponse({"error": {"status": status, "message": message, "problems": problems,
                                   "more_problems": more}},
                        status_code=status, headers=headers)


def _problems(e: ScenarioError) -> list[dict]:
    return [{"path": p.path, "message": p.message, "fix": p.fix, "file": p.file}
            for p in e.problems]


class ErrorProblem(BaseModel):
    path: str
    message: str
    fix: str
    file: str


class ErrorDetail(BaseModel):
    status: int
    message: str
    problems: list[ErrorProblem]
    more_problems: int = 0


class ErrorBody(BaseModel):
    """What every error answer looks like."""

    error: ErrorDetail


_WHY = {
    400: "the Host header is not one this server answers to, or the request is malformed",
    404: "no such scenario, run or path",
    405: "the method is not allowed on this path (the Allow header lists those that are)",
    408: "the request body arrived too slowly",
    413: "the body, the overrides or the model is bigger than one request may be",
    422: "the request or the scenario it makes is not valid (problems with path and fix)",
    500: "a bug in rareflow",
    503: "the solver workers are busy or the run store is unavailable (see Retry-After)",
    504: "the request went over its time bound",
}


def _responses(*codes: int) -> dict[int | str, dict]:
    """The error answers a route may give, for the OpenAPI schema (every route may also answer
    400 for a foreign Host header and 500 for a bug)."""
    return {c: {"model": ErrorBody, "description": _WHY[c]} for c in sorted({400, 500, *codes})}


# ---- the app -------------------------------------------------------------------------------------
def create_app(store: RunStore | Path | str | None = None, *, workers: int = 2,
               solve_timeout: float = 20.0, max_body: int = 256 * 1024,
               scenarios: dict[str, Path] | None = None, seeds: dict[str, str] | None = None,
               max_pending: int | None = None, limits: Limits | None = None,
               levers: Path | str | None = None,
               allow_hosts: list[str] | tuple[str, ...] | None = None) -> FastAPI:
    """The rareflow web app.

    `store`: the run store (a RunStore or a path; None = a fresh temporary store, removed on
    exit); `scenarios`: name → file (default: the built-in scenarios); `seeds`: which scenarios
    the dashboard levers read (default: the built-in seed scenarios); `limits`: the bounds on
    each request (rareflow.web.limits.Limits; `solve_timeout` sets its solve limit when it is
    not given); `allow_hosts`: Host header names answered (default: loopback names and
    $RAREFLOW_ALLOW_HOSTS; '*' = any); `levers`: the levers file (default: the built-in
    data/levers.yaml; a bad one raises LeverFileError naming the field and the fix); `seeds`:
    lever id → the scenario it reads, replacing the file's.
    """
    if limits is None:
        limits = Limits(solve_timeout=solve_timeout,
                        request_timeout=max(Limits.request_timeout, solve_timeout * 1.5))
    hosts = tuple(allow_hosts) if allow_hosts is not None else allowed_hosts()
    tmp = None
    if store is None:
        tmp = tempfile.TemporaryDirectory(prefix="rareflow-web-")
        store = RunStore(Path(tmp.name) / "runs.duckdb")
    elif not isinstance(store, RunStore):
        store = RunStore(store)
    catalog = Catalog(scenarios, seeds, levers)
    service = RunService(catalog, store, workers=workers, max_pending=max_pending, limits=limits)

    @asynccontextmanager
    async def lifespan(app):
        yield
        service.close()
        if tmp is not None:
            tmp.cleanup()

    app = FastAPI(title="rareflow", version=__version__, lifespan=lifespan,
                  description="Rare-earth supply chain what-ifs: run scenarios with levers and "
                              "overrides, compare runs, list stored runs. The dashboard is at /.")
    app.state.service = service
    app.state.catalog = catalog
    app.state.store = store

    # -- errors as JSON with the path and the fix
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        probs = []
        for e in exc.errors():
            loc = [str(x) for x in e.get("loc", []) if x != "body"]
            msg = str(e.get("msg", "invalid")).removeprefix("Value error, ")
            fix = {"missing": "add this field", "extra_forbidden": "remove this field; see "
                   "/openapi.json for the fields", "json_invalid": "send valid JSON"}.get(
                e.get("type", ""), "see /openapi.json for the expected shape")
            probs.append({"path": ".".join(loc), "message": msg, "fix": fix, "file": "<request>"})
            if len(probs) > MAX_PROBLEMS:
                break
        return _error(422, "the request is not valid", probs,
                      more=max(0, len(exc.errors()) - len(probs)))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        fix = ("see /openapi.json for the endpoints" if exc.status_code in (404, 405)
               else "see /openapi.json")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:  # every method of the path, not only the first route's
            headers["Allow"] = _allowed_methods(app, request) or headers.get("Allow", "")
        return _error(exc.status_code, str(exc.detail),
                      [{"path": request.url.path, "message": str(exc.detail), "fix": fix,
                        "file": "<request>"}], headers=headers or None)

    @app.exception_handler(RareflowError)
    async def _rareflow(request: Request, exc: RareflowError):
        if isinstance(exc, ScenarioError):
            unknown = any(p.path == "scenario" and "no scenario named" in p.message
                          for p in exc.problems)
            status = 404 if unknown else 422
            msg = "unknown scenario" if unknown else (
                "invalid lever values" if isinstance(exc, LeverError) else
                "the scenario with these overrides is not valid")
            return _error(status, msg, _problems(exc), more=exc.more)
        if isinstance(exc, NotFound):
            return _error(404, str(exc))
        if isinstance(exc, Busy):
            return _error(503, str(exc), headers={"Retry-After": str(exc.retry_after)})
        if isinstance(exc, TooLong):
            return _error(504, str(exc))
        if isinstance(exc, TooBig):
            return _error(413, str(exc))
        if isinstance(exc, SolveError):
            return _error(422, "the scenario cannot be solved",
                          [{"path": "", "message": str(exc),
                            "fix": "undo the last change, or relax the constraints named",
                            "file": ""}])
        if isinstance(exc, StoreError):
            return _error(503, f"run store unavailable: {exc}", headers={"Retry-After": "5"})
        return _error(400, str(exc))

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        return _error(500, f"internal error ({type(exc).__name__}); this is a bug in rareflow")

    # -- pages and assets: the page rendered once from its template; /static/plotly.min.js
    # from the installed plotly package, declared before the package-data folder it shadows
    from fastapi.staticfiles import StaticFiles

    from rareflow.web import page

    dashboard_page = page.dashboard_html(catalog.opens_on)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        return HTMLResponse(dashboard_page)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/static/plotly.min.js", include_in_schema=False)
    def plotly_js() -> Response:
        return Response(page.plotly_js(), media_type="application/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})

    app.mount("/static", StaticFiles(directory=page.static_dir()), name="static")

    # -- API
    @app.get("/health", tags=["service"], responses=_responses())
    def health() -> dict:
        """Liveness: version, scenarios offered, workers, the bounds on each request and how
        many requests wait (no file system paths)."""
        return {"status": "ok", "version": __version__, "scenarios": len(catalog.names()),
                "workers": service.workers, "solve_timeout_s": service.solve_timeout,
                "limits": limits.public(), "queued_or_running": service.pool.pending}

    @app.get("/api/scenarios", tags=["scenarios"], responses=_responses())
    def list_scenarios() -> list[dict]:
        """The scenarios this server runs (built-in names)."""
        return [catalog.head(n) for n in catalog.names()]

    @app.get("/api/scenarios/{name}", tags=["scenarios"], responses=_responses(404, 422, 503, 504))
    async def get_scenario(name: str) -> dict:
        """A scenario fully resolved (its `extends` chain laid out), its periods, regions and
        the dashboard levers that apply to it, with their defaults."""
        catalog.path(name)

        def work():
            from rareflow.scenario.loader import load_scenario
            from rareflow.scenario.periods import make_periods

            scn, _ = load_scenario(catalog.path(name))
            head = catalog.head(name)
            return {**head, "periods": list(make_periods(scn).labels),
                    "regions": {r: (v.label or r) for r, v in scn.regions.items()},
                    "commodities": {c: (v.label or c) for c, v in scn.commodities.items()},
                    "levers": [lv.public() for lv in catalog.levers(name)],
                    "scenario": jsonable(scn.model_dump(mode="json", by_alias=True))}

        return await service.read(work)

    @app.post("/api/runs", tags=["runs"], responses=_responses(404, 408, 413, 422, 503, 504))
    async def post_run(req: RunRequest, request: Request) -> dict:
        """Solve a scenario with lever values and overrides (or reuse the stored run of an
        identical scenario) and return its tables, figures, explanation and the comparison."""

        def work():
            solved = service.solve(req.scenario, req.levers, req.overrides)
            changed = bool(solved.overlay)
            base = service.base_for(req.scenario, changed, req.compare_with)
            if base is not None and base.run_id == solved.run_id:
                base = None
            return service.answer(solved, base, req.region, req.period)

        check_overlay(req.overrides, limits)  # before it is queued: a refusal costs nothing
        return jsonable(await service.call(work, client=_client(request)))

    @app.get("/api/runs", tags=["runs"], responses=_responses(422, 503, 504))
    async def list_runs(limit: int = Query(50, ge=1, le=1000),
                        scenario: str | None = Query(None, pattern=NAME)) -> list[dict]:
        """Stored runs, newest first."""
        df = await service.read(lambda: store.list(limit=limit, scenario=scenario))
        df = df.assign(created=df["created"].astype(str)) if "created" in df else df
        return jsonable(df.to_dict(orient="records"))

    @app.get("/api/runs/{run_id}", tags=["runs"], responses=_responses(404, 422, 503, 504))
    async def get_run(run_id: int) -> dict:
        """One stored run: summary, explanation and tables (zero rows left out)."""
        v = await service.read(service.view, run_id)
        return jsonable(run_json(v))

    @app.get("/api/runs/{run_id}/sankey", tags=["runs"], responses=_responses(404, 422, 503, 504))
    async def get_sankey(run_id: int, region: str = Query("auto", max_length=40),
                         period: str = Query("auto", max_length=20)) -> dict:
        """The Sankey figure (Plotly JSON) of a stored run for a region and period."""
        def work():
            v = service.view(run_id)
            reg = service.pick_region(v, None, region)
            per = service.pick_period(v, None, period)
            return {"region": reg, "period": per, "figure": charts.sankey_figure(v, per, reg)}

        return jsonable(await service.read(work))

    @app.get("/api/runs/{run_id}/report", tags=["runs"], response_class=HTMLResponse,
             responses=_responses(404, 422, 503, 504))
    async def get_report(request: Request, run_id: int, vs: int | None = Query(None, ge=1),
                         region: str | None = Query(None, max_length=40)) -> HTMLResponse:
        """The self-contained HTML report of a stored run (optionally against run `vs`)."""
        from rareflow.report import build_report

        def work():
            try:
                v = store.get(run_id)  # with its metrics, which the web runs leave out
            except StoreError as e:
                raise NotFound(str(e)) from None
            b = service.view(vs) if vs else None
            return build_report(v, base=b, region=region)

        return HTMLResponse(await service.call(work, client=_client(request)))

    @app.get("/api/backtest/{scenario}", tags=["scenarios"], responses=_responses(404, 422, 503, 504))
    async def get_backtest(request: Request,
                           scenario: str = FPath(..., pattern=NAME, max_length=100)) -> dict:
        """The back-test of a scenario as published: the observed series (customs exports,
        prices, mine output, import shares, with sources) beside the model's figures for the
        same places and periods, worst first, and the chart. Solved once, then the stored run."""
        def work():
            solved = service.solve(scenario, {}, None)
            return backtest_json(solved.view, solved.run_id)

        return jsonable(await service.call(work, client=_client(request)))

    @app.get("/api/compare", tags=["runs"], responses=_responses(404, 422, 503, 504))
    async def compare(request: Request, a: int = Query(..., ge=1, description="the scenario run"),
                      b: int = Query(..., ge=1, description="the base run")) -> dict:
        """Differences between two stored runs (a − b): unserved demand, trade flows,
        production, objective."""
        def work():
            va, vb = service.view(a), service.view(b)
            out = comparison_json(charts.compare(va, vb), b)
            out.update({"run": a, "scenario": va.name})
            return out

        return jsonable(await service.call(work, client=_client(request)))

    # outermost last: the Host check first, then the timing, then the body's size and pace
    app.add_middleware(BodyLimit, limit=max_body, error=_error, timeout=limits.body_timeout)
    app.add_middleware(Timing)
    app.add_middleware(HostCheck, allowed=hosts, error=_error)
    app.state.limits = limits
    return app


def _allowed_methods(app: FastAPI, request: Request) -> str:
    from starlette.routing import Match

    methods: set[str] = set()
    for route in app.router.routes:
        if getattr(route, "methods", None) and route.matches(request.scope)[0] != Match.NONE:
            methods |= set(route.methods)
    return ", ".join(sorted(methods))


def _client(request: Request) -> str:
    """Whose turn a request takes in the solver queue: the peer's address; on loopback, where
    every local program shares one address, the connection (address and port)."""
    c = request.client
    if c is None:
        return ""
    return f"{c.host}:{c.port}" if c.host in ("127.0.0.1", "::1", "localhost") else c.host

