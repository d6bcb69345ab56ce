"""The playground's web app (Starlette): the page and its assets, and a small JSON API.

    GET    /                               the page (and a fixed list of its assets)
    GET    /api/options                    the controls, their ranges, the scenarios
    POST   /api/sessions                   {"config": {...}} → a new session, paused
    GET    /api/sessions/{id}/state        ?since=N&version=V&seq=S: status, new history
                                           points, the latest views unless the page has
                                           snapshot S (and the scene for a new run)
    POST   /api/sessions/{id}/start|pause|step
    POST   /api/sessions/{id}/reset        {"config": {...}} (optional): a new run
    POST   /api/sessions/{id}/close        (also DELETE /api/sessions/{id})

Every error is JSON, {"error": message, "field": control or null}, with a 4xx status for a
bad request (422: a control's value; 404: an unknown session; 429: too many sessions). The
assets are read once from the package by fixed names: no path ever comes from a request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from importlib.resources import files
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tamrin.playground import limits
from tamrin.playground.config import DEFAULT, FIELDS, Config, ConfigError, parse_config
from tamrin.playground.scenarios import SCENARIOS
from tamrin.playground.session import PlaygroundError, SessionManager, StateQuery

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
MAX_BODY_BYTES = 64 * 1024

# URL path -> (file under static/, media type)
ASSETS = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/playground.js": ("playground.js", "text/javascript; charset=utf-8"),
    "/playground.css": ("playground.css", "text/css; charset=utf-8"),
    "/vendor/uPlot.iife.min.js": ("vendor/uPlot.iife.min.js", "text/javascript; charset=utf-8"),
    "/vendor/uPlot.min.css": ("vendor/uPlot.min.css", "text/css; charset=utf-8"),
}
COMMANDS = ("start", "pause", "step")


def _asset_route(path: str, name: str, media_type: str) -> Route:
    body = (files("tamrin.playground") / "static" / name).read_bytes()

    async def serve(request: Request) -> Response:
        return Response(body, media_type=media_type, headers={"Cache-Control": "no-cache"})

    return Route(path, serve, methods=["GET"])


def _manager(request: Request) -> SessionManager:
    return request.app.state.manager


async def _json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body)."""
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:   # refused before reading
        raise PlaygroundError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        raise PlaygroundError(413, f"the request body is larger than {MAX_BODY_BYTES} bytes")
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PlaygroundError(400, "the request body must be JSON") from None
    if not isinstance(data, dict):
        raise PlaygroundError(400, "the request body must be a JSON object")
    return data


async def _config_from(request: Request, base: Config = DEFAULT) -> Config:
    """The checked configuration in the body's "config", over ``base``."""
    body = await _json_body(request)
    extra = sorted(set(body) - {"config"})
    if extra:
        raise PlaygroundError(400, f"unexpected field {extra[0]!r} in the request body "
                              "(send {\"config\": {...}})")
    return parse_config(body.get("config", {}), base)


async def options(request: Request) -> Response:
    """The controls (the page builds its form from them), the scenarios and the limits."""
    limits_table = {name: getattr(limits, name) for name in dir(limits) if name.isupper()}
    return JSONResponse({"fields": [f.describe() for f in FIELDS],
                         "scenarios": [s.describe() for s in SCENARIOS],
                         "limits": limits_table})


async def create_session(request: Request) -> Response:
    """A new session, its worker started and its run built, paused."""
    config = await _config_from(request)
    session = await _manager(request).create(config)
    return JSONResponse({"id": session.id, "config": config.to_dict()}, status_code=201)


def _whole(request: Request, name: str) -> int | None:
    """A whole-number query parameter, or None if absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise PlaygroundError(400, f"{name} must be a whole number, got {raw[:20]!r}",
                              name) from None


async def state(request: Request) -> Response:
    """What the page has not seen yet of the session's run (see ``StateQuery``)."""
    session = _manager(request).get(request.path_params["sid"])
    query = StateQuery(max(0, _whole(request, "since") or 0), request.query_params.get("version"),
                       _whole(request, "seq"))
    return Response(session.state_json(query), media_type="application/json")


async def command(request: Request) -> Response:
    """start, pause, step, reset (a new run) or close; answered once the worker has done it."""
    action = request.path_params["action"]
    manager = _manager(request)
    if action == "close":
        manager.close(request.path_params["sid"])
        return JSONResponse({"closed": True})
    session = manager.get(request.path_params["sid"])
    if action == "reset":
        await session.start(await _config_from(request, session.config))
    elif action in COMMANDS:
        await session.run.command(action)
    else:
        raise PlaygroundError(404, f"unknown action {action!r}; the actions are "
                              f"{', '.join((*COMMANDS, 'reset', 'close'))}")
    return JSONResponse({"status": session.run.status, "step": session.run.step,
                         "config": session.config.to_dict()})


async def delete_session(request: Request) -> Response:
    """Close the session (as POST …/close)."""
    _manager(request).close(request.path_params["sid"])
    return JSONResponse({"closed": True})


def _error(status: int, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "field": field}, status_code=status)


async def _playground_error(request: Request, exc: PlaygroundError) -> Response:
    return _error(exc.status, str(exc), exc.field)


async def _config_error(request: Request, exc: ConfigError) -> Response:
    return _error(422, str(exc), exc.field)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    return _error(exc.status_code, str(exc.detail))


async def _server_error(request: Request, exc: Exception) -> Response:
    return _error(500, f"internal error: {type(exc).__name__}: {exc}")


async def _reap_forever(manager: SessionManager) -> None:
    while True:
        await asyncio.sleep(limits.REAP_INTERVAL_S)
        manager.reap()


@contextlib.asynccontextmanager
async def _lifespan(app: Starlette) -> AsyncIterator[None]:
    reaper = asyncio.create_task(_reap_forever(app.state.manager))
    try:
        yield
    finally:
        reaper.cancel()
        app.state.manager.close_all()


def create_app(allowed_hosts: tuple[str, ...] | list[str] = LOOPBACK_HOSTS) -> Starlette:
    """The playground app; requests whose Host header is not in ``allowed_hosts`` are
    refused (400), which keeps other web sites from reaching it by DNS rebinding."""
    routes = [_asset_route(path, name, media) for path, (name, media) in ASSETS.items()]
    routes += [
        Route("/api/options", options, methods=["GET"]),
        Route("/api/sessions", create_session, methods=["POST"]),
        Route("/api/sessions/{sid}/state", state, methods=["GET"]),
        Route("/api/sessions/{sid}/{action}", command, methods=["POST"]),
        Route("/api/sessions/{sid}", delete_session, methods=["DELETE"]),
    ]
    app = Starlette(
        routes=routes, lifespan=_lifespan,
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))],
        exception_handlers={PlaygroundError: _playground_error, ConfigError: _config_error,
                            HTTPException: _http_error, Exception: _server_error})
    app.state.manager = SessionManager()
    return app
