"""The two namespaces. Handlers are thin: authenticate, validate, call a service, acknowledge."""

from __future__ import annotations

import logging
import time
from typing import Any

from flask import request
from flask_socketio import Namespace, join_room, leave_room

from api.auth import bearer_token, current_account
from api.http import binding_token
from signer.accounts.service import AppIdentity
from signer.core.errors import DomainError, ErrorCode, NotAuthenticated
from signer.core.logging_setup import new_request_id, reset_request_id, set_request_id

from .events import APPROVE, JOIN, REJECT, SCAN, SIGN_ROUND, ack
from .frames import FrameTicker
from .notifier import APP_NAMESPACE, PC_NAMESPACE, STATE_SCHEMA, session_room

log = logging.getLogger(__name__)


class _Traced(Namespace):
    """Each event gets its own request id, carried into its log lines and PDF jobs."""

    def trigger_event(self, event: str, *args: Any) -> Any:
        token = set_request_id(new_request_id())
        started = time.perf_counter()
        try:
            return super().trigger_event(event, *args)
        finally:
            log.info("socket %s %s", self.namespace, event, extra={
                "namespace": self.namespace, "event": event,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)})
            reset_request_id(token)


class PcNamespace(_Traced):
    """The signing page: joins its session's room, receives QR frames and status changes."""

    def __init__(self, services: Any, frames: FrameTicker) -> None:
        super().__init__(PC_NAMESPACE)
        self.services = services
        self.frames = frames

    def on_connect(self, auth: Any = None) -> None:
        if current_account() is None:
            raise ConnectionRefusedError("login_required")

    def on_join(self, data: Any) -> dict[str, Any]:
        def join(parsed: dict[str, Any]) -> dict[str, Any]:
            account = current_account()
            if account is None:
                raise NotAuthenticated("请先登录", code=ErrorCode.LOGIN_REQUIRED)
            session_id = parsed["session_id"]
            room = session_room(session_id)
            join_room(room)  # before reading the state, so no change after the read goes unseen
            try:
                state, frame = self.services.signing.pc_join(session_id, account, binding_token(session_id))
            except Exception:
                leave_room(room)  # not this browser's session, or gone
                raise
            if frame is not None:
                self.frames.join(request.sid, frame)  # type: ignore[attr-defined]  # set by Flask-SocketIO
            return STATE_SCHEMA.dump(state)

        return ack(JOIN, data, join)


class AppNamespace(_Traced):
    """The phone: scan, approve (unlock), one signing round per seal, reject."""

    def __init__(self, services: Any) -> None:
        super().__init__(APP_NAMESPACE)
        self.services = services
        # Who each connected socket of this process is (token, identity), identified once at connect.
        self._identities: dict[str, tuple[str, AppIdentity]] = {}

    def on_connect(self, auth: Any = None) -> None:
        token = (auth or {}).get("token") if isinstance(auth, dict) else None
        token = token or bearer_token()
        try:
            who = self.services.accounts.identify_app(token)
        except DomainError as exc:
            raise ConnectionRefusedError(exc.code) from exc
        assert isinstance(token, str)  # identify_app refuses a missing token
        self._identities[self._sid()] = (token, who)

    def on_disconnect(self, *_reason: Any) -> None:
        self._identities.pop(self._sid(), None)

    @staticmethod
    def _sid() -> str:
        return request.sid  # type: ignore[attr-defined]  # set by Flask-SocketIO (no types)

    def _who(self) -> AppIdentity:
        """The identity of connect, re-confirmed by one lean query (a revoked token stops at the next event)."""
        known = self._identities.get(self._sid())
        if known is None:
            raise NotAuthenticated("缺少访问令牌", code=ErrorCode.NO_TOKEN)
        return self.services.accounts.confirm_app(*known)

    def _ip(self) -> str:
        return request.remote_addr or ""

    def on_scan(self, data: Any) -> dict[str, Any]:
        return ack(SCAN, data, lambda p: self.services.signing.scan(self._who(), p["payload"], self._ip()))

    def on_approve(self, data: Any) -> dict[str, Any]:
        return ack(APPROVE, data, lambda p: self.services.signing.approve(
            self._who(), p["session_id"], p["challenge_id"], p["response"], self._ip()))

    def on_sign_round(self, data: Any) -> dict[str, Any]:
        return ack(SIGN_ROUND, data, lambda p: self.services.signing.submit(
            self._who(), p["session_id"], p["position"], p["signature"], self._ip()))

    def on_reject(self, data: Any) -> dict[str, Any]:
        def reject(p: dict[str, Any]) -> dict[str, Any]:
            self.services.signing.reject(self._who(), p["session_id"], self._ip())
            return {"status": "rejected"}

        return ack(REJECT, data, reject)
