"""Issue 12 item 2: the APP socket is identified once at connect, yet a token logged out while the socket stays
open is refused at its very next event (the per-event check is lean, not gone)."""

from __future__ import annotations

import requests
import socketio

from mobile import AppClient
from signer.cli_demo import DEMO_PASSWORD


def test_logged_out_token_is_refused_on_the_open_socket(live_server, tmp_path):
    phone = AppClient(live_server.url, tmp_path / "phone")
    phone.login("operator1", DEMO_PASSWORD)
    token = phone.token
    sio = socketio.Client(reconnection=False)
    sio.connect(live_server.url, auth={"token": token}, namespaces=["/app"], transports=["websocket"],
                wait_timeout=10)
    try:
        before = sio.call("scan", {"payload": "ygqc://sign?s=nothing"}, namespace="/app", timeout=30)
        assert before["ok"] is False and before["error"]["code"] == "bad_qr"  # accepted, then judged
        out = requests.post(f"{live_server.url}/api/v1/app/logout", json={},
                            headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert out.status_code < 300
        after = sio.call("scan", {"payload": "ygqc://sign?s=nothing"}, namespace="/app", timeout=30)
        assert after["ok"] is False
        assert after["error"]["code"] == "bad_token" and after["error"]["message"] == "访问令牌无效或已过期"
    finally:
        sio.disconnect()
