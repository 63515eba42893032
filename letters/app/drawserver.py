"""`letters draw`'s web server: one page and four JSON endpoints, every request checked.

A Starlette app served by uvicorn, on 127.0.0.1 unless told otherwise. The page
(letters/static/draw.html, plain JavaScript) carries a per-run token; every /api request
must send it back, come from the page's own origin (or none) to a known Host, and stay
under the size caps. Anything else gets a 4xx with a one-line reason and the server keeps
serving. The network runs only in Python, in `drawpad.Pad`; the page draws and shows.
"""

from __future__ import annotations

import json
import secrets
import socket
import sys
import threading
import time
import webbrowser
from dataclasses import asdict
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from ..config import DrawConfig
from ..errors import LettersError, OptionError, Wording
from ..files import check_output_folder
from .drawpad import BadDrawing, Pad, file_drawing, parse_strokes, png_bytes, render

if TYPE_CHECKING:
    import uvicorn

PAGE = "static/draw.html"  # package data, beside this module (letters/app/static)
TOKEN_HEADER = "x-letters-token"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
WILDCARD_HOSTS = ("0.0.0.0", "::", "")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # no other site may frame the page and steer clicks
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


class Gate:
    """A bound on drawings in flight, so a flood of large ones cannot stall the server: at most
    `large` requests over LARGE_BODY bytes (or of unknown length) and `small` others at once; one
    more is answered 503 at once, before its body is read. The event loop is one thread, so plain
    counters suffice."""

    LARGE_BODY = 64 * 1024  # bytes: a long drawing of a few letters is about 20 kB of JSON

    def __init__(self, large: int, small: int):
        self.limits = {"large": large, "small": small}
        self.busy = {"large": 0, "small": 0}

    def lane(self, request: Request) -> str:
        length = request.headers.get("content-length")
        return "small" if length is not None and length.isdigit() and int(length) <= self.LARGE_BODY else "large"

    def enter(self, lane: str) -> bool:
        if self.busy[lane] >= self.limits[lane]:
            return False
        self.busy[lane] += 1
        return True

    def leave(self, lane: str) -> None:
        self.busy[lane] -= 1


class Refused(Exception):
    """A request answered with a 4xx: status and the one-line reason."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def _json_error(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=SECURITY_HEADERS)


def _decode_json(body: bytes):
    try:
        return json.loads(body)  # NaN and Infinity parse, and parse_strokes refuses them as numbers
    except (ValueError, RecursionError):
        raise Refused(400, "the body is not valid JSON") from None


def create_app(pad: Pad, token: str, collect: Path | None = None, hosts: list[str] | None = None,
               config: DrawConfig | None = None) -> Starlette:
    """The app for one run. `hosts`: the Host names it answers to (None: this machine's own names);
    a page reached under another name (DNS rebinding) is refused."""
    config = config or pad.config
    gate = Gate(config.large_in_flight, config.small_in_flight)
    nonce = secrets.token_urlsafe(16)
    page = (resources.files("letters.app").joinpath(PAGE).read_text(encoding="utf-8").replace("__LETTERS_TOKEN__", token)
            .replace("__LETTERS_NONCE__", nonce).replace("__LETTERS_COLLECT__", "true" if collect else "false"))
    page_headers = {**SECURITY_HEADERS, "Content-Security-Policy": (
        f"default-src 'none'; script-src 'nonce-{nonce}'; style-src 'unsafe-inline'; img-src 'self' data: blob:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")}

    def check(request: Request) -> None:
        origin = request.headers.get("origin")
        if origin is not None and origin != f"{request.url.scheme}://{request.headers.get('host', '')}":
            raise Refused(403, f"requests from another site ({origin[:80]}) are refused")
        if request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
            raise Refused(403, "requests from another site are refused")
        if not secrets.compare_digest(request.headers.get(TOKEN_HEADER, "").encode(), token.encode()):
            raise Refused(403, "missing or wrong token; reload the page that letters draw printed")

    async def read_json(request: Request):
        if not request.headers.get("content-type", "").split(";")[0].strip() == "application/json":
            raise Refused(415, "send the drawing as application/json")
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > config.max_body):
            raise Refused(413, f"the body is over the limit of {config.max_body} bytes")
        chunks, size = [], 0
        async for chunk in request.stream():  # counted as it arrives: a chunked body has no length
            size += len(chunk)
            if size > config.max_body:
                raise Refused(413, f"the body is over the limit of {config.max_body} bytes")
            chunks.append(chunk)
        return _decode_json(b"".join(chunks))

    def body_fields(data, *names: str) -> dict:
        if not isinstance(data, dict) or set(data) != set(names):
            raise Refused(400, f"give a JSON object with exactly: {', '.join(names)}")
        return data

    def api(handler):
        """Token and origin first, then a place in the gate; a refusal or a failure becomes one line,
        never a traceback."""
        async def endpoint(request: Request) -> Response:
            started = time.perf_counter()
            lane = gate.lane(request) if request.method == "POST" else None
            try:
                check(request)
                if lane is not None and not gate.enter(lane):
                    raise Refused(503, "too many drawings at once; try again in a moment")
                try:
                    response = await handler(request)
                finally:
                    if lane is not None:
                        gate.leave(lane)
            except Refused as refused:
                return _json_error(refused.status, refused.reason)
            except BadDrawing as bad:
                return _json_error(400, str(bad))
            except ClientDisconnect:  # the client went away mid-body: nobody to answer, nothing wrong here
                return Response(status_code=400)
            except LettersError as error:
                return _json_error(422, str(error))
            except OSError as error:  # filing a drawing: the disk, not the request
                return _json_error(503, f"cannot file the drawing ({(error.strerror or str(error)).lower()})")
            except Exception as error:  # noqa: BLE001 - the server keeps serving, the page gets a line
                reason = " ".join(str(error).split())[:200]
                print(f"letters draw: internal error: {type(error).__name__}: {reason}", file=sys.stderr)
                return _json_error(500, f"internal error: {type(error).__name__}")
            response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
            return response
        return endpoint

    async def index(request: Request) -> Response:
        return HTMLResponse(page, headers=page_headers)

    async def units(request: Request) -> Response:
        return JSONResponse(asdict(pad.catalogue), headers=SECURITY_HEADERS)

    async def update(request: Request) -> Response:
        strokes = parse_strokes(body_fields(await read_json(request), "strokes")["strokes"], config)
        result = await run_in_threadpool(pad.update, strokes)
        return JSONResponse(asdict(result), headers=SECURITY_HEADERS)

    async def picture(request: Request) -> Response:
        strokes = parse_strokes(body_fields(await read_json(request), "strokes")["strokes"], config)
        png = await run_in_threadpool(lambda: png_bytes(render(strokes, config.render)))
        return Response(png, media_type="image/png", headers=SECURITY_HEADERS)

    async def collect_drawing(request: Request) -> Response:
        if collect is None:
            raise Refused(404, "collecting is off; start letters draw with a folder to collect into")
        data = body_fields(await read_json(request), "letter", "strokes")
        letter = data["letter"]
        if letter not in pad.classes:
            raise Refused(400, f"letter must be one of {', '.join(pad.classes)}")
        strokes = parse_strokes(data["strokes"], config)
        if not strokes:
            raise Refused(400, "the drawing is empty; draw the letter first")
        path = await run_in_threadpool(lambda: file_drawing(collect, letter, png_bytes(render(strokes, config.render))))
        count = sum(1 for _ in path.parent.glob("*.png"))
        return JSONResponse({"saved": f"{letter}/{path.name}", "count": count}, headers=SECURITY_HEADERS)

    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/units", api(units), methods=["GET"]),
        Route("/api/update", api(update), methods=["POST"]),
        Route("/api/png", api(picture), methods=["POST"]),
        Route("/api/collect", api(collect_drawing), methods=["POST"]),
    ]
    middleware = [Middleware(TrustedHostMiddleware, allowed_hosts=hosts or list(LOCAL_HOSTS))]
    return Starlette(routes=routes, middleware=middleware)


def allowed_hosts(config: DrawConfig) -> list[str]:
    """The Host names the server answers to, whatever address it listens on: this machine's own names,
    the address it was given (unless a wildcard) and every --allow-host. Never "any": a page on another
    site whose name resolves here (DNS rebinding) must not reach the token."""
    named = [] if config.host in WILDCARD_HOSTS else [config.host]
    return list(dict.fromkeys([*LOCAL_HOSTS, *named, *config.allow_host]))


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, or a one-line LettersError (port in use, unknown host)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        raise OptionError("host", f"{host}: no such address on this machine") from None
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart may reuse a port in TIME_WAIT
        sock.bind(address)
        sock.listen(64)
    except OSError as error:
        sock.close()
        if error.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise OptionError("port", f"{port} on {host} is in use; pick another (0 picks a free one)") from None
        raise LettersError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


class DrawServer:
    """One run: binds at once (so a busy port fails before the slow start-up), then serves a Pad.
    `url`, `warning` (None when only this machine can reach it), `run()`, `stop()`."""

    def __init__(self, config: DrawConfig, collect: Path | None = None, classes: tuple[str, ...] = ()):
        if collect is not None:
            collect = Path(collect)
            check_output_folder(collect, (), lambda name: f"{name('collect')} ")
            for letter in classes:  # each letter's folder: a real folder or nothing yet, never a file or a link
                sub = collect / letter
                if sub.is_symlink() or (sub.exists() and not sub.is_dir()):
                    raise OptionError("collect", f"{collect}: {sub} is a file or a link, not a folder; move it away")
        self.config, self.collect = config, collect
        self.sock = bind(config.host, config.port)
        self.port = self.sock.getsockname()[1]
        self.wildcard = config.host in WILDCARD_HOSTS
        self.local = config.host in LOCAL_HOSTS
        shown = "127.0.0.1" if self.wildcard else config.host
        self.url = f"http://{'[' + shown + ']' if ':' in shown else shown}:{self.port}/"
        self.hosts = allowed_hosts(config)
        self.warning: Wording | None = None if self.local and not config.allow_host else (
            lambda name: f"serving on {config.host}, not only 127.0.0.1: other machines on your network can open the "
                         "page, drive the network" + (" and file drawings" if collect else "") + "; it answers only to "
                         f"the host names {', '.join(self.hosts)} (add more with {name('allow_host')}), so a web site "
                         "you visit cannot reach it by DNS rebinding")
        self.server: uvicorn.Server | None = None

    def attach(self, pad: Pad) -> None:
        """Build the app for this pad, with a fresh token."""
        import uvicorn

        if self.collect is not None:
            self.collect.mkdir(parents=True, exist_ok=True)
        self.app = create_app(pad, secrets.token_urlsafe(24), self.collect, self.hosts, self.config)
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                                    timeout_graceful_shutdown=3))

    def open_browser(self) -> None:
        threading.Thread(target=webbrowser.open, args=(self.url,), daemon=True).start()  # some browsers block

    def run(self) -> None:
        """Serve until Ctrl-C (KeyboardInterrupt after a clean shutdown) or `stop()`."""
        if self.server is None:
            raise LettersError("letters draw: attach a pad before running the server")
        try:
            self.server.run(sockets=[self.sock])
        finally:
            self.close()

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True

    def close(self) -> None:
        self.sock.close()
