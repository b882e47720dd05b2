"""The one module that emits to Socket.IO. With a message queue configured, emits reach every process."""

from __future__ import annotations

import base64
from typing import Any

from flask_socketio import SocketIO

from api.schemas.signing import SessionStateSchema, SigningProgressSchema
from signer.core.metrics import observe_push

PC_NAMESPACE = "/pc"
APP_NAMESPACE = "/app"
STATE_SCHEMA = SessionStateSchema()  # built once: a schema instance holds no per-dump state


def session_room(session_id: str) -> str:
    return f"session:{session_id}"


class SocketNotifier:
    """Implements ``signer.events.Notifier`` and sends the PC its QR frames."""

    def __init__(self, socketio: SocketIO) -> None:
        self.socketio = socketio

    def session_changed(self, session_id: str, state: dict[str, Any]) -> None:
        """The domain's state of the session, dumped as the HTTP endpoint answers it."""
        self.socketio.emit("status", STATE_SCHEMA.dump(state), to=session_room(session_id),
                           namespace=PC_NAMESPACE)
        observe_push()

    def signing_progress(self, progress: Any) -> None:
        """A phase of 签署中 started (``SigningProgress``): the ``progress`` event, in words."""
        self.socketio.emit("progress", SigningProgressSchema().dump(progress), to=session_room(progress.session_id),
                           namespace=PC_NAMESPACE)

    def qr_frame(self, sid: str, session_id: str, payload: str, png: bytes, step: int,
                 confirmation_code: str) -> None:
        image = "data:image/png;base64," + base64.b64encode(png).decode()
        self.socketio.emit("qr", {"session_id": session_id, "payload": payload, "image": image, "step": step,
                                  "confirmation_code": confirmation_code}, to=sid, namespace=PC_NAMESPACE)
