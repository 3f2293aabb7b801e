"""The web app: one FastAPI application serving the JSON API and the HTML pages of an archive.

Read-only by design: no route writes to the database, so the app can run beside the scheduler.
Errors a visitor can cause (an unknown article, a malformed query or date) answer 404 or 400
with one line, as JSON under /api/ and as a page elsewhere; never a traceback.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from storage.errors import DatabaseError, NotFoundError, StorageError
from web import api, pages
from web.deps import Archive
from web.params import InputError

# Scraped text is escaped, and this forbids what escaping could miss: no scripts at all, styles
# and images from this app only, no framing, and no Referer leaking the app's URLs to news sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def create_app(archive: Archive) -> FastAPI:
    app = FastAPI(
        title="labscope",
        summary="The news about Chinese AI labs, every version of it, and what changed.",
        description=(
            "Read-only JSON API over a labscope archive. The shapes are those of the CLI's "
            "`--json` output; times are ISO 8601 in UTC."
        ),
        version=_version(),
        docs_url=None,  # Swagger UI loads scripts from a CDN: neither offline nor CSP-friendly
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.archive = archive
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("web", "static")]), name="static")

    @app.middleware("http")
    async def secure(request: Request, call_next: pages.CallNext) -> Response:
        response = await call_next(request)
        for header, value in SECURITY_HEADERS.items():
            response.headers.setdefault(header, value)
        if "location" in response.headers:
            response.headers["location"] = _own_path(response.headers["location"])
        return response

    app.add_exception_handler(StorageError, _storage_error)
    app.add_exception_handler(InputError, _bad_input)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    return app


def _own_path(location: str) -> str:
    """A redirect's target as a path: Starlette builds the trailing-slash redirect from the
    request's Host (and uvicorn's X-Forwarded-Proto), so a forged header would send a visitor, or
    a cache, to another site. The app only redirects to itself; absolute links come from config."""
    parts = urlsplit(location)
    path = "/" + parts.path.lstrip("/")  # never "//host/...", which a browser reads as a host
    return urlunsplit(("", "", path, parts.query, parts.fragment))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("labscope")
    except PackageNotFoundError:
        return "0"


def _answer(request: Request, status: int, message: str) -> Response:
    """One line: JSON for the API, an error page for people."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=status)
    return pages.error_page(request, status, message)


async def _storage_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, NotFoundError):
        return _answer(request, 404, str(exc))
    if isinstance(exc, DatabaseError):
        return _answer(request, 503, f"the archive cannot be read: {exc}")
    return _answer(request, 400, str(exc))  # QueryError and the like: the visitor's input


async def _bad_input(request: Request, exc: Exception) -> Response:
    return _answer(request, 400, str(exc))


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in error['loc'][1:])}: {error['msg']}" for error in exc.errors()
    )
    return _answer(request, 400, problems or "invalid request")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = "no such page" if exc.status_code == 404 else str(exc.detail)
    return _answer(request, exc.status_code, message)
