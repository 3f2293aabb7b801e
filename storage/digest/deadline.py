"""A deadline for a whole network exchange, not for each read.

A socket timeout bounds one wait: a server that answers 200 and then trickles its body a byte at a
time, each byte just under the timeout, holds a reader for as long as it likes. `Deadline` shuts
the exchange's sockets down when its time is up, from a timer thread: the blocked read returns
at once, the caller's exception handler asks `expired` and says why.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable
from types import SimpleNamespace, TracebackType
from typing import Any, Protocol


class _HasSocket(Protocol):
    sock: Any


class Deadline:
    """`with Deadline(seconds) as deadline:` ... `deadline.watch(connection)` for each
    connection (anything with a `sock`, read when the time is up: STARTTLS replaces it)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._watched: list[_HasSocket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._timer.cancel()

    def watch(self, connection: _HasSocket) -> None:
        with self._lock:
            self._watched.append(connection)
            expired = self.expired
        if expired:  # the time ran out while it connected
            _shut(connection)

    def connection(self, base: type[Any]) -> Callable[..., Any]:
        """An http.client connection class whose every connection is watched."""
        deadline = self

        class Watched(base):  # type: ignore[misc]
            def connect(self) -> None:
                super().connect()
                # The socket itself, not the connection: urllib drops the connection's
                # reference once the headers are in, and the body is read through a file
                # made from the socket.
                deadline.watch(SimpleNamespace(sock=self.sock))

        return Watched

    def client(self, base: type[Any]) -> Callable[..., Any]:
        """A client class (smtplib's) watched from its creation: a server may trickle the
        greeting its constructor reads; its `sock` is looked up when the time is up."""
        deadline = self

        class Watched(base):  # type: ignore[misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                deadline.watch(self)
                super().__init__(*args, **kwargs)

        return Watched

    def _cut(self) -> None:
        with self._lock:
            self.expired = True
            watched = list(self._watched)
        for connection in watched:
            _shut(connection)


def _shut(connection: _HasSocket) -> None:
    sock = getattr(connection, "sock", None)  # none before a client connects
    if sock is None:
        return
    # The plain socket's shutdown, even for TLS: SSLSocket.shutdown would drop its TLS state
    # under the reading thread's feet. An OSError: it was closed already.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
