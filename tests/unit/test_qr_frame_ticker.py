"""Issue 12 P4: QR frames of all waiting pages come from one ticker per process. Each page gets its session's
frame when it joins and a new one each step; a session that stops waiting stops getting frames, and a page
that disconnected is dropped. The frame is the text the page draws (no image)."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from signer.core.models import utcnow
from signer.demo.samples import sample_pdf
from signer.signing import qr
from signer.signing.models import SigningSession
from tests.lifecycle_helpers import ApiUser, lifecycle_app


@pytest.fixture
def api(tmp_path: Path, database_url: str, monkeypatch):
    app, services = lifecycle_app(tmp_path, database_url)
    ticker = app.extensions["qr_frames"]
    monkeypatch.setattr(ticker, "_run", lambda: None)  # the test ticks by hand, one step at a time
    yield app, services, ticker
    services.db.dispose()


def new_session(user: ApiUser, title: str) -> str:
    created = user.post("/api/v1/signing-sessions", data={"file": (BytesIO(sample_pdf(title)), "doc.pdf"),
                                                          "title": title}, content_type="multipart/form-data")
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


def open_page(app, user: ApiUser, session_id: str) -> Any:
    """A signing page's socket (the browser's cookies), joined to its session."""
    page = app.extensions["socketio_server"].test_client(app, namespace="/pc", flask_test_client=user.client)
    reply = page.emit("join", {"session_id": session_id}, namespace="/pc", callback=True)
    assert reply["ok"] and reply["result"]["status"] == "waiting"
    return page


def registered(ticker) -> dict[str, int]:
    """How many pages the ticker holds per session."""
    return {session_id: len(sids) for session_id, sids in ticker.pages().items()}


def frames(page) -> list[dict[str, Any]]:
    return [m["args"][0] for m in page.get_received("/pc") if m["name"] == "qr"]


def test_two_pages_on_two_sessions_get_their_frames_at_join_and_at_each_step(api):
    app, services, ticker = api
    user = ApiUser(app, "admin")
    first, second = new_session(user, "Quote A"), new_session(user, "Quote B")
    page_a, page_b = open_page(app, user, first), open_page(app, user, second)
    for page, session_id in ((page_a, first), (page_b, second)):
        [frame] = frames(page)  # at once, not a step later
        assert set(frame) == {"session_id", "payload", "step", "confirmation_code"}  # text only, no image
        assert frame["session_id"] == session_id
        assert qr.parse_payload(frame["payload"], "ygqc").session_id == session_id
        assert frame["step"] == qr.parse_payload(frame["payload"], "ygqc").step
        with services.db.read() as s:  # the frame of its own step (a step may have begun since)
            secret = s.get(SigningSession, session_id).qr_secret
        assert frame["payload"] == qr.make_payload("ygqc", secret, session_id, frame["step"])
        assert qr.current_step(services.config.qr_step_seconds) - frame["step"] in (0, 1)
        assert frame["confirmation_code"] == services.signing.state(session_id)["confirmation_code"]
    assert registered(ticker) == {first: 1, second: 1}

    ticker.tick()
    assert [f["session_id"] for f in frames(page_a)] == [first]
    assert [f["session_id"] for f in frames(page_b)] == [second]


def test_a_cancelled_or_expired_session_stops_getting_frames(api):
    app, services, ticker = api
    user = ApiUser(app, "admin")
    cancelled, expired, waiting = (new_session(user, t) for t in ("Cancel me", "Expire me", "Keep me"))
    pages = {sid: open_page(app, user, sid) for sid in (cancelled, expired, waiting)}
    for page in pages.values():
        page.get_received("/pc")
    assert user.post(f"/api/v1/signing-sessions/{cancelled}/cancel").status_code == 200
    with services.db.write() as s:
        s.execute(update(SigningSession).where(SigningSession.id == expired)
                  .values(expires_at=utcnow() - timedelta(seconds=1)))

    ticker.tick()
    assert frames(pages[cancelled]) == []
    received = pages[expired].get_received("/pc")
    assert [m["args"][0]["status"] for m in received if m["name"] == "status"] == ["expired"]  # told, once
    assert [m for m in received if m["name"] == "qr"] == []
    assert services.signing.state(expired)["status"] == "expired"
    assert len(frames(pages[waiting])) == 1
    assert set(ticker.pages()) == {waiting}

    ticker.tick()
    assert frames(pages[cancelled]) == [] and frames(pages[expired]) == []


def test_a_page_that_disconnected_is_dropped_and_the_other_page_of_its_session_keeps_its_frames(api):
    app, _services, ticker = api
    user = ApiUser(app, "admin")
    session_id = new_session(user, "Two tabs")
    leaving, staying = open_page(app, user, session_id), open_page(app, user, session_id)
    leaving.disconnect(namespace="/pc")
    staying.get_received("/pc")

    ticker.tick()
    assert registered(ticker) == {session_id: 1}
    assert len(frames(staying)) == 1

    staying.disconnect(namespace="/pc")
    ticker.tick()
    assert ticker.pages() == {}
