"""Issue 11 items 5 and 1 on the server: the progress of 签署中 pushed as each phase starts (第 2/3 个签章, what is
left), and the previews of the signed file's stamped pages, for the browser that created the session only."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.schemas.signing import SessionStateSchema, progress_view
from realtime.notifier import PC_NAMESPACE, SocketNotifier, session_room
from signer.core.errors import Conflict, Forbidden, NotFound
from signer.demo.samples import sample_pdf
from signer.seals.enums import SealKind
from signer.signing.enums import PadesLevel
from signer.signing.progress import Phase
from signer.signing.service import PlacementRequest
from tests.helpers import provision
from tests.unit.test_scan_to_sign_domain import admin, payload_for, ready_phone
from tests.unit.test_session_state_wire import FakeSocketIO

THREE = [PlacementRequest(SealKind.COMPANY, 1, 60, 60, 150, 110),
         PlacementRequest(SealKind.LEGAL_REP, 1, 240, 60, 150, 110),
         PlacementRequest(SealKind.COMPANY, 2, 60, 60, 150, 110)]


@pytest.fixture
def env(tmp_path: Path, database_url: str):
    services, notifier = provision(tmp_path, database_url, seal_images=True)
    yield services, notifier
    services.db.dispose()


def test_progress_words():
    assert progress_view(2, 3, Phase.SEAL, PadesLevel.B_LTA) == {
        "seal": 2, "total": 3, "phase": "seal", "text": "正在签署第 2/3 个签章",
        "remaining": ["第 3/3 个签章", "时间戳", "长期验证数据", "文档时间戳"],
        "remaining_text": "剩余：第 3/3 个签章、时间戳、长期验证数据、文档时间戳"}
    assert progress_view(3, 3, Phase.TIMESTAMP, PadesLevel.B_LT)["remaining"] == ["长期验证数据"]
    assert progress_view(3, 3, Phase.TIMESTAMP, PadesLevel.B_LT)["text"] == "第 3/3 个签章：正在获取时间戳"
    assert progress_view(3, 3, Phase.LONG_TERM, PadesLevel.B_LTA)["text"] == "正在添加长期验证数据和文档时间戳"
    assert progress_view(3, 3, Phase.LONG_TERM, PadesLevel.B_LTA)["remaining_text"] == "即将完成"
    assert progress_view(1, 2, Phase.SEAL, PadesLevel.B_B)["remaining"] == ["第 2/2 个签章"]


def test_each_phase_is_pushed_and_the_signed_pages_are_previewed(env):
    services, notifier = env
    phone = ready_phone(services)
    row, token = services.signing.create(admin(services), _two_pages(), "合同", THREE, "10.0.0.1", "pytest",
                                         pades_level=PadesLevel.B_LTA)
    sid = row.id
    view = services.signing.scan(phone.who, payload_for(services, sid), "10.0.0.9")
    approved = services.signing.approve(phone.who, sid, view["challenge"]["id"],
                                        phone.response(view["challenge"]["nonce"]), "10.0.0.9")
    # before the phone's first signature value: the state says which seal and what is left
    state = SessionStateSchema().dump(services.signing.state(sid))
    assert state["progress"]["text"] == "正在签署第 1/3 个签章" and state["signed_pages"] == []
    with pytest.raises(Conflict):
        services.signing.signed_page_png(admin(services), token, sid, 1)
    phone.sign_all(sid, approved["round"], approved["share"])

    phases = [(p.seal, p.phase) for p in notifier.progress if p.session_id == sid]
    assert phases == [(1, Phase.TIMESTAMP), (2, Phase.TIMESTAMP), (3, Phase.TIMESTAMP), (3, Phase.LONG_TERM)]
    socketio = FakeSocketIO()
    for p in notifier.progress:
        SocketNotifier(socketio).signing_progress(p)
    assert {(e, to, ns) for e, _, to, ns in socketio.emitted} == {("progress", session_room(sid), PC_NAMESPACE)}
    assert [d["text"] for _, d, _, _ in socketio.emitted] == [
        "第 1/3 个签章：正在获取时间戳", "第 2/3 个签章：正在获取时间戳", "第 3/3 个签章：正在获取时间戳",
        "正在添加长期验证数据和文档时间戳"]
    pushed_rounds = [s["current_round"] for sid_, s in notifier.events if sid_ == sid and s["status"] == "signing"]
    assert pushed_rounds == [0, 1, 2]  # each finished seal is pushed as a state

    state = SessionStateSchema().dump(services.signing.state(sid))
    assert state["progress"] is None
    assert state["signed_pages"] == [{"page": n, "url": f"/api/v1/signing-sessions/{sid}/signed/pages/{n}.png"}
                                     for n in (1, 2)]
    png = services.signing.signed_page_png(admin(services), token, sid, 2)
    assert png.startswith(b"\x89PNG")
    with pytest.raises(Forbidden):  # another browser
        services.signing.signed_page_png(admin(services), "not-the-binding-token", sid, 2)
    with pytest.raises(NotFound):
        services.signing.signed_page_png(admin(services), token, sid, 3)


def _two_pages() -> bytes:
    return sample_pdf("Contract", pages=2)
