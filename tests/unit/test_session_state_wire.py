"""A signing session's state: the domain gives facts, api.schemas.SessionStateSchema is its one wire form,
and the Socket.IO push to the PC page carries exactly that form (labels and the download link included)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from api.schemas.signing import SessionStateSchema
from realtime.notifier import PC_NAMESPACE, SocketNotifier, session_room
from tests.helpers import provision
from tests.unit.test_scan_to_sign_domain import new_session, payload_for, ready_phone


class FakeSocketIO:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, Any, str, str]] = []

    def emit(self, event: str, data: Any, to: str, namespace: str) -> None:
        self.emitted.append((event, data, to, namespace))


@pytest.fixture
def env(tmp_path: Path, database_url: str):
    services, notifier = provision(tmp_path, database_url, seal_images=True)
    yield services, notifier
    services.db.dispose()


def test_pushed_state_is_the_wire_state_with_label_and_link(env):
    services, notifier = env
    phone = ready_phone(services)
    sid = new_session(services)
    view = services.signing.scan(phone.who, payload_for(services, sid), "10.0.0.9")
    approved = services.signing.approve(phone.who, sid, view["challenge"]["id"],
                                        phone.response(view["challenge"]["nonce"]), "10.0.0.9")
    phone.sign_all(sid, approved["round"], approved["share"])
    facts = [state for sid_, state in notifier.events if sid_ == sid]
    assert facts and all("status_label" not in f and "download_url" not in f for f in facts)

    socketio = FakeSocketIO()
    for state in facts:
        SocketNotifier(socketio).session_changed(sid, state)
    pushed = [data for _, data, _, _ in socketio.emitted]
    assert {(e, to, ns) for e, _, to, ns in socketio.emitted} == {("status", session_room(sid), PC_NAMESPACE)}
    assert [(p["status"], p["status_label"]) for p in pushed][-1] == ("signed", "已签署")
    assert pushed[-1]["download_url"] == f"/api/v1/signing-sessions/{sid}/signed.pdf"
    assert all(p["download_url"] is None for p in pushed[:-1])
    assert pushed[-1] == SessionStateSchema().dump(services.signing.state(sid))
    assert list(pushed[-1]) == ["id", "status", "status_label", "title", "page_count", "document_sha256",
                                "confirmation_code", "pades_level", "expires_at", "scanned_by", "seals",
                                "current_round", "failure", "signed", "download_url", "progress",
                                "signed_pages"]  # progress and signed_pages: Issue 11 items 5 and 1
