"""What one request may cost the service, and how the solver workers are shared.

Each bound is checked where it is cheapest: the Host header and the body's size and pace at
the door (ASGI middleware, before any work); an overlay's size before it is queued; the
model's size (periods × entities) before it is built; and the request's wall time — queue
wait included — by a deadline that every step of the work reads (a solve gets what is left of
it as HiGHS's time limit). Workers take queued requests in turn by client, so that one client
with many requests waits behind its own, not in front of everyone else.
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from rareflow.errors import RareflowError

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


class Busy(RareflowError):
    """Every worker is taken and the queue is full (or this client has its share queued)."""

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = max(1, int(retry_after))


class TooLong(RareflowError):
    """A request went over its time bound."""


class TooBig(RareflowError):
    """A request asks for more work than the server does for one request."""


@dataclass(frozen=True)
class Limits:
    """The service's bounds (each is an option of `rareflow serve`)."""

    request_timeout: float = 30.0  # s, a request's whole wall time, queue wait included
    solve_timeout: float = 20.0  # s, one HiGHS solve (at most what is left of the above)
    max_items: int = 500  # entries in an overlay's blocks (facilities, routes, regions, …)
    max_nodes: int = 20_000  # values in an overlay, all levels
    max_periods: int = 400
    max_cells: int = 20_000  # periods × entities (facilities, routes, stocks, demands, plants)
    per_client: int = 4  # requests of one client queued or running at once
    read_timeout: float = 15.0  # s, a read of the store (lists, stored runs)
    body_timeout: float = 10.0  # s to receive a request's body
    header_timeout: float = 10.0  # s to receive a request's headers
    allow_hosts: tuple[str, ...] = LOOPBACK_HOSTS

    def public(self) -> dict[str, Any]:
        return {"request_timeout_s": self.request_timeout, "solve_timeout_s": self.solve_timeout,
                "max_overlay_items": self.max_items, "max_periods": self.max_periods,
                "max_periods_x_entities": self.max_cells, "per_client": self.per_client}


def allowed_hosts(extra: list[str] | tuple[str, ...] | None = None, bind: str | None = None
                  ) -> tuple[str, ...]:
    """Loopback names, the address the server binds (unless it is a wildcard), the names given
    with --allow-host and those in $RAREFLOW_ALLOW_HOSTS (comma-separated; '*' = any)."""
    names = list(LOOPBACK_HOSTS)
    if bind and bind not in ("0.0.0.0", "::", ""):
        names.append(bind)
    names += list(extra or [])
    names += [h.strip() for h in os.environ.get("RAREFLOW_ALLOW_HOSTS", "").split(",") if h.strip()]
    return tuple(dict.fromkeys(h.lower().strip("[]") for h in names))


# ---- the overlay's size, before it is queued ----------------------------------------------
def check_overlay(overrides: dict | None, limits: Limits) -> None:
    """Refuse an overlay with more entries or values than one request may carry (413), before
    it costs a worker anything: 8,000 facilities in 135 KB took 70 s to refuse."""
    if not overrides:
        return
    items = len(overrides) + sum(len(v) for v in overrides.values() if isinstance(v, list | dict))
    if items > limits.max_items:
        raise TooBig(f"the overrides hold {items:,} items; this server takes at most "
                     f"{limits.max_items:,} per request. Send only the items you change, or run "
                     "the scenario with the CLI (rareflow run FILE)")
    nodes, stack = 0, [overrides]
    while stack:
        node = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            raise TooBig(f"the overrides hold more than {limits.max_nodes:,} values; send only "
                         "what you change, or run the scenario with the CLI")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def check_model_size(scn, n_periods: int, limits: Limits) -> None:
    """Refuse a model bigger than the server solves for one request (413): its work grows with
    periods × entities (400 monthly periods of the baseline took 50 s to answer)."""
    if n_periods > limits.max_periods:
        raise TooBig(f"the scenario has {n_periods:,} periods; this server solves at most "
                     f"{limits.max_periods:,}. Use yearly periods or the CLI")
    ents = sum(len(getattr(scn, b, None) or ()) for b in
               ("facilities", "routes", "stocks", "demands", "candidates"))
    if n_periods * ents > limits.max_cells:
        raise TooBig(f"the scenario has {n_periods:,} periods × {ents:,} facilities, routes, "
                     f"stocks, demands and candidates = {n_periods * ents:,}; this server solves "
                     f"at most {limits.max_cells:,} per request. Use fewer or coarser periods, "
                     "or run it with the CLI")


# ---- the deadline every step reads --------------------------------------------------------
_local = threading.local()


def deadline() -> float | None:
    """The current request's deadline (time.monotonic()), or None outside a request."""
    return getattr(_local, "deadline", None)


def time_left(cap: float | None = None) -> float:
    """Seconds left before the current request's deadline (at most `cap`); TooLong if none."""
    d = deadline()
    left = math.inf if d is None else d - time.monotonic()
    if left <= 0:
        raise TooLong("the request went over its time bound and was stopped; simplify the "
                      "overrides or run it with the CLI")
    return min(left, cap) if cap is not None else left


# ---- sharing the workers ------------------------------------------------------------------
@dataclass
class _Job:
    fn: Callable[[], Any]
    future: Future
    client: str
    deadline: float
    queued: float = field(default_factory=time.monotonic)


class FairPool:
    """`workers` threads that take queued jobs in turn by client (round robin), at most
    `max_pending` jobs queued or running in all and `per_client` per client; a job whose
    deadline passes while it waits is answered Busy without running."""

    def __init__(self, workers: int, max_pending: int, per_client: int,
                 name: str = "rareflow-solve") -> None:
        self.workers = max(1, int(workers))
        self.max_pending = max(0, int(max_pending))
        self.per_client = max(1, int(per_client))
        self._cv = threading.Condition()
        self._queues: OrderedDict[str, deque[_Job]] = OrderedDict()
        self._count: dict[str, int] = {}  # client → jobs queued or running
        self._pending = 0
        self._closed = False
        self._avg = 1.0  # seconds per job, smoothed (for Retry-After)
        self.stats = {"done": 0, "expired": 0, "refused": 0, "max_wait_s": 0.0}
        self._threads = [threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
                         for i in range(self.workers)]
        for t in self._threads:
            t.start()

    @property
    def pending(self) -> int:
        return self._pending

    def retry_after(self) -> int:
        return max(1, min(60, math.ceil(self._avg * (self._pending + 1) / self.workers)))

    def submit(self, client: str, fn: Callable[[], Any], deadline: float) -> Future:
        with self._cv:
            if self._closed:
                raise Busy("the service is shutting down; try again in a moment")
            if self._pending >= self.max_pending:
                self.stats["refused"] += 1
                raise Busy(f"all {self.workers} solver workers are busy and {self._pending} "
                           "requests wait; try again in a moment", self.retry_after())
            if self._count.get(client, 0) >= self.per_client:
                self.stats["refused"] += 1
                raise Busy(f"you already have {self.per_client} requests queued or running; "
                           "wait for their answers first", self.retry_after())
            fut: Future = Future()
            self._queues.setdefault(client, deque()).append(_Job(fn, fut, client, deadline))
            self._count[client] = self._count.get(client, 0) + 1
            self._pending += 1
            self._cv.notify()
        return fut

    def _next(self) -> _Job | None:
        with self._cv:
            while not self._queues and not self._closed:
                self._cv.wait()
            if self._closed and not self._queues:
                return None
            client, q = next(iter(self._queues.items()))
            job = q.popleft()
            del self._queues[client]
            if q:  # this client's next job goes to the back of the line
                self._queues[client] = q
            return job

    def _work(self) -> None:
        while True:
            job = self._next()
            if job is None:
                return
            t0 = time.monotonic()
            self.stats["max_wait_s"] = max(self.stats["max_wait_s"], t0 - job.queued)
            try:
                if not job.future.set_running_or_notify_cancel():
                    continue
                if t0 >= job.deadline:
                    self.stats["expired"] += 1
                    job.future.set_exception(Busy(
                        f"the request waited {t0 - job.queued:.0f} s for a solver worker, its "
                        "whole time bound; the server is busy, try again in a moment",
                        self.retry_after()))
                    continue
                _local.deadline = job.deadline
                try:
                    job.future.set_result(job.fn())
                except BaseException as e:  # noqa: BLE001 - handed to the waiting request
                    job.future.set_exception(e)
                finally:
                    _local.deadline = None
                    self._avg = 0.8 * self._avg + 0.2 * (time.monotonic() - t0)
                    self.stats["done"] += 1
            finally:
                with self._cv:
                    self._pending -= 1
                    left = self._count.get(job.client, 1) - 1
                    if left:
                        self._count[job.client] = left
                    else:
                        self._count.pop(job.client, None)

    def close(self) -> None:
        with self._cv:
            self._closed = True
            for q in self._queues.values():
                for job in q:
                    job.future.cancel()
            self._queues.clear()
            self._cv.notify_all()


async def wait_bounded(fut: Future, until: float, grace: float = 2.0) -> Any:
    """Await a pool future until the request's deadline (plus a little grace for the step
    running when it passed); TooLong after that."""
    try:
        return await asyncio.wait_for(asyncio.wrap_future(fut), max(0.0, until - time.monotonic())
                                      + grace)
    except TimeoutError:
        fut.cancel()
        raise TooLong("the request went over its time bound and was abandoned; simplify the "
                      "overrides or run it with the CLI") from None


# ---- at the door: Host header, body size and pace -----------------------------------------
class HostCheck:
    """Refuse requests whose Host header is not one of `allowed` (400): a page on another site
    cannot reach this service through a DNS name that points at 127.0.0.1."""

    def __init__(self, app, allowed: tuple[str, ...], error: Callable) -> None:
        self.app = app
        self.any = "*" in allowed
        self.allowed = {h.lower() for h in allowed}
        self.error = error

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or self.any:
            return await self.app(scope, receive, send)
        host = ""
        for k, v in scope.get("headers") or []:
            if k == b"host":
                host = v.decode("latin-1").strip().lower()
                break
        name = host[1:host.index("]")] if host.startswith("[") and "]" in host else \
            host.rsplit(":", 1)[0] if host.count(":") == 1 else host
        if name in self.allowed:
            return await self.app(scope, receive, send)
        resp = self.error(400, f"the Host header '{host[:80]}' is not one this server answers "
                          "to", [{"path": "Host", "message": "host not allowed",
                                  "fix": "open the dashboard at http://127.0.0.1:PORT/, or "
                                  "start the server with --allow-host NAME", "file": "<request>"}])
        await resp(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, whether announced or streamed, and
    bodies that arrive slower than `timeout` seconds in all with 408."""

    def __init__(self, app, limit: int, error: Callable, timeout: float = 10.0) -> None:
        self.app = app
        self.limit = limit
        self.error = error
        self.timeout = timeout

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for k, v in scope.get("headers") or []:
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = self.limit + 1
                if n > self.limit:
                    return await self._refuse(413, scope, receive, send)
        seen = 0
        refused = False
        done = False
        until = time.monotonic() + self.timeout

        async def counted():
            nonlocal seen, refused, done
            if done or refused:
                return await receive()  # after the body: wait for a disconnect as usual
            try:
                msg = await asyncio.wait_for(receive(), max(0.0, until - time.monotonic()))
            except TimeoutError:
                refused = True
                await self._refuse(408, scope, receive, send)
                return {"type": "http.disconnect"}
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                done = not msg.get("more_body", False)
                if seen > self.limit:  # answer 413 now; the app sees the client leave
                    refused = True
                    await self._refuse(413, scope, receive, send)
                    return {"type": "http.disconnect"}
            return msg

        async def guarded(msg):
            if not refused:
                await send(msg)

        try:
            return await self.app(scope, counted, guarded)
        except Exception:
            if refused:
                return None
            raise

    async def _refuse(self, status: int, scope, receive, send):
        if status == 408:
            resp = self.error(408, f"the request body did not arrive within {self.timeout:g} s",
                              [{"path": "", "message": "body too slow", "fix": "send the whole "
                                "body at once", "file": ""}])
        else:
            resp = self.error(413, f"request body over the {self.limit:,} byte limit",
                              [{"path": "", "message": "body too large",
                                "fix": "send a smaller overlay (only the items you change)",
                                "file": ""}])
        await resp(scope, receive, send)


class Timing:
    """Says in every API answer how long the server took with it (X-Rareflow-Seconds, from
    the first byte of the request to its answer, queue wait included) — the figure the time
    bound applies to, measured by the server itself."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        t0 = time.monotonic()

        async def timed(msg):
            if msg["type"] == "http.response.start":
                took = f"{time.monotonic() - t0:.4f}".encode()
                msg = {**msg, "headers": [*msg.get("headers", []), (b"x-rareflow-seconds", took)]}
            await send(msg)

        return await self.app(scope, receive, timed)


# ---- slow clients: a header deadline for uvicorn ------------------------------------------
def protocol_with_header_timeout(seconds: float):
    """uvicorn's h11 protocol, closing connections whose request headers have not arrived
    within `seconds` (uvicorn times out idle keep-alive connections, not slow first requests)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class HeaderTimeoutH11(H11Protocol):
        header_timeout = seconds

        def connection_made(self, transport) -> None:
            super().connection_made(transport)
            self._header_timer = None
            self._arm()

        def _waiting_for_headers(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(self.header_timeout, self._expired)

        def _expired(self) -> None:
            self._header_timer = None
            if self._waiting_for_headers() and not self.transport.is_closing():
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            if self._waiting_for_headers():
                self._arm()
            super().data_received(data)
            if not self._waiting_for_headers() and self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def connection_lost(self, exc) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None
            super().connection_lost(exc)

    return HeaderTimeoutH11


def uvicorn_config(app, host: str, port: int, limits: Limits, log_level: str = "warning",
                   max_connections: int = 200):
    """The uvicorn settings that bound slow or numerous clients: a header deadline, the
    keep-alive timeout, a cap on open connections (503 above) and on header size."""
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level=log_level,
                          http=protocol_with_header_timeout(limits.header_timeout),
                          timeout_keep_alive=5, limit_concurrency=max_connections,
                          h11_max_incomplete_event_size=64 * 1024)
