"""The gevent WSGI server with WebSocket support, tuned for small request/response exchanges."""

from __future__ import annotations

import contextlib
import gc
import logging
import socket
from typing import Any

from gevent import pywsgi
from geventwebsocket.handler import WebSocketHandler


class _NoDelayServer(pywsgi.WSGIServer):
    """pywsgi writes headers and body in separate sends; with Nagle's algorithm and the client's delayed
    ACK, every keep-alive response then waits ~40 ms (measured by bench/loop_latency.py). TCP_NODELAY
    sends at once."""

    def handle(self, sock: socket.socket, address: Any) -> None:
        with contextlib.suppress(OSError):  # not TCP (e.g. a Unix socket)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().handle(sock, address)


def settle_heap() -> None:
    """Take what start-up built (modules, the app, its services) out of the cyclic collector's way.

    Every greenlet of the process waits while Python runs a full collection, and a full collection
    walks every tracked object: with the ~250,000 objects of a started server that stalled pushes,
    scans and pings for 250-350 ms every 20-30 s under load (bench/README.md, P2/P3). Frozen objects
    are never walked again; they live as long as the process anyway. Call once, when start-up is done.
    """
    gc.collect()
    gc.freeze()


def serve(app: Any, host: str, port: int, access_log: bool = False) -> None:
    log = logging.getLogger("signer.access") if access_log else None
    server = _NoDelayServer((host, port), app, handler_class=WebSocketHandler, log=log,
                            error_log=logging.getLogger("signer.http"))
    settle_heap()
    server.serve_forever()
