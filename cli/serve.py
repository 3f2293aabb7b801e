"""`labscope serve`: the web app over the archive, on loopback unless told otherwise."""

from __future__ import annotations

import errno
import socket

import click
from rich.markup import escape

from cli.context import Context
from cli.group import cli
from cli.output import err
from crawler.entities.kb import KnowledgeBase
from crawler.errors import ConfigError

LOOPBACK = ("127.0.0.1", "::1", "localhost")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port (0: any free one).",
)
@click.option("--root-path", default="", help="Path prefix when served behind a proxy: /labscope.")
@click.pass_obj
def serve(obj: Context, host: str, port: int, root_path: str) -> None:
    """Serve the archive in the browser (digest, articles, diffs, search) and as a JSON API."""
    import uvicorn

    from web.app import create_app
    from web.deps import Archive

    try:
        extra = obj.config().entities
        names: list[str] | None = [source.name for source in obj.config().sources]
    except ConfigError:
        if not obj.db_url:
            raise
        extra, names = (), None  # --db without a readable config: every stored source
    archive = Archive(
        db=obj.database(),
        knowledge=KnowledgeBase.default().with_entities(extra),
        rules=obj.change_rules(),
        recheck_steps=obj.recheck_steps(),
        source_names=names,
    )
    listener = _bind(host, port)
    bound = listener.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    err.print(
        f"Serving the archive at http://{escape(shown)}:{bound}{escape(root_path)}/ (Ctrl-C stops)"
    )
    if host not in LOOPBACK:
        err.print(
            "[yellow]warning:[/yellow] listening beyond this machine without authentication; "
            "put it behind a reverse proxy with a login (see the README)"
        )
    config = uvicorn.Config(
        create_app(archive), root_path=root_path.rstrip("/"), log_level="warning", access_log=False
    )
    uvicorn.Server(config).run(sockets=[listener])


def _bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound here so a busy port is a one-line error before serving."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        message = f"cannot resolve {host!r}: {exc.strerror}"
        raise click.BadParameter(message, param_hint="--host") from None
    family, kind, proto, _, address = infos[0]
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind(address)
    except OSError as exc:
        listener.close()
        hint = "pick another with --port" if exc.errno == errno.EADDRINUSE else "check --host"
        raise click.BadParameter(
            f"cannot listen on {host}:{port}: {exc.strerror}; {hint}", param_hint="--port"
        ) from None
    listener.listen(128)
    listener.set_inheritable(True)
    return listener
