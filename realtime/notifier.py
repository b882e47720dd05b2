"""The one module that emits to Socket.IO. With a message queue configured, emits reach every process."""

from __future__ import annotations

from typing import Any

from flask_socketio import SocketIO

from api.schemas.signing import SessionStateSchema, SigningProgressSchema
from signer.core.metrics import observe_push
from signer.signing.qr import ShownFrame

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

    def qr_frame(self, sid: str, frame: ShownFrame) -> None:
        """A frame's text to one page of this process (the page draws it; no message queue needed)."""
        self.socketio.emit("qr", {"session_id": frame.session_id, "payload": frame.payload, "step": frame.step,
                                  "confirmation_code": frame.confirmation_code},
                           to=sid, namespace=PC_NAMESPACE, ignore_queue=True)
