"""The reference APP client (mobile/): the parts that stand without the real server.

QR decoding, local storage, CSR and issued-certificate checks, the command line's argument handling,
the import rule, and the Socket.IO conversation against a small fake `/app` namespace that follows
docs/protocol.md (it checks the client's side of the exchange, not the server's behaviour).
"""

from __future__ import annotations

import ast
import base64
import datetime as dt
import pathlib
import stat
import threading
from collections.abc import Iterator
from typing import Any, cast

import pytest
import qrcode
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from qrcode.image.pil import PilImage

from keystore import (
    enroll,
    expected_unlock_response,
    generate_private_key,
    load_private_key,
    new_nonce,
    new_share,
    seal,
)
from mobile import AppClient, AppError, build_csr, check_issued_certificate, decode_qr_image
from mobile.cli import main

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAYLOAD = "ygqc://sign?s=abc&t=123&h=xyz"
PASSWORD = "Sign#2024ok"


# --- certificates made here ------------------------------------------------------------------------


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")])


def _cert(subject: str, public_key: Any, issuer: str, signer: Any, ca: bool) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    return builder.sign(signer, hashes.SHA256())


def _pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


class Pki:
    """A root, an issuing CA, and a helper to issue leaves."""

    def __init__(self) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _cert("Test Root", self.root_key.public_key(), "Test Root", self.root_key, ca=True)
        self.issuing_key = ec.generate_private_key(ec.SECP256R1())
        self.issuing = _cert("Test Issuing", self.issuing_key.public_key(), "Test Root", self.root_key, ca=True)

    @property
    def chain_pem(self) -> list[str]:
        return [_pem(self.issuing), _pem(self.root)]

    def issue(self, public_key: Any) -> x509.Certificate:
        return _cert("1@测试企业@1700000000000@1", public_key, "Test Issuing", self.issuing_key, ca=False)


@pytest.fixture(scope="module")
def pki() -> Pki:
    return Pki()


# --- QR decoding -----------------------------------------------------------------------------------


def test_decode_qr_png_and_jpeg(tmp_path: pathlib.Path) -> None:
    png = tmp_path / "qr.png"
    qrcode.make(PAYLOAD, image_factory=PilImage).save(png)
    assert decode_qr_image(png) == PAYLOAD

    jpeg = tmp_path / "qr.jpg"
    with Image.open(png) as img:
        img.convert("RGB").save(jpeg, "JPEG", quality=85)
    assert decode_qr_image(str(jpeg)) == PAYLOAD


def test_decode_qr_blank_image_is_refused(tmp_path: pathlib.Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (300, 300), "white").save(blank)
    with pytest.raises(AppError) as info:
        decode_qr_image(blank)
    assert info.value.code == "no_qr_code"
    assert info.value.status is None


def test_decode_qr_missing_or_not_an_image(tmp_path: pathlib.Path) -> None:
    with pytest.raises(AppError) as info:
        decode_qr_image(tmp_path / "nope.png")
    assert info.value.code == "no_image"
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not an image at all")
    with pytest.raises(AppError) as info:
        decode_qr_image(junk)
    assert info.value.code == "bad_image"


# --- storage ---------------------------------------------------------------------------------------


def _mode(path: pathlib.Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_device_id_is_generated_once_and_kept(tmp_path: pathlib.Path) -> None:
    home = tmp_path / "phone"
    first = AppClient("http://127.0.0.1:9", home).device_id
    assert len(first) == 32 and int(first, 16) >= 0
    again = AppClient("http://127.0.0.1:9/", home)
    assert again.device_id == first
    assert again.storage.load_state()["device_id"] == first
    other = AppClient("http://127.0.0.1:9", tmp_path / "other-phone").device_id
    assert other != first


def test_state_and_keystore_files_are_private(tmp_path: pathlib.Path, pki: Pki) -> None:
    home = tmp_path / "phone"
    client = AppClient("http://127.0.0.1:9", home)
    client.storage.update_state(server_url=client.server_url, token="t0k", username="op1")
    assert _mode(home) == 0o700
    assert _mode(home / "state.json") == 0o600
    assert client.token == "t0k" and client.username == "op1"

    ks = _sealed_keystore(client, pki)[0]
    path = client.storage.save_keystore(7, ks)
    assert path == home / "keystores" / "7.json"
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert client.storage.load_keystore(7).to_json() == ks.to_json()
    assert client.has_keystore(7) and not client.has_keystore(8)
    assert not [p for p in home.rglob("*") if p.name.endswith(".tmp")]
    with pytest.raises(AppError) as info:
        client.storage.load_keystore(8)
    assert info.value.code == "no_keystore"


def test_token_is_not_used_for_another_server(tmp_path: pathlib.Path) -> None:
    home = tmp_path / "phone"
    AppClient("http://a.example", home).storage.update_state(server_url="http://a.example", token="secret")
    other = AppClient("http://b.example", home)
    assert other.token is None
    with pytest.raises(AppError) as info:
        other.certificates()
    assert info.value.code == "not_logged_in"


def test_weak_password_is_refused_before_any_network_call(tmp_path: pathlib.Path) -> None:
    client = AppClient("http://127.0.0.1:9", tmp_path / "phone")
    client.storage.update_state(server_url=client.server_url, token="t")
    with pytest.raises(AppError) as info:
        client.download_certificate(1, "123456")
    assert info.value.code == "weak_password"
    assert info.value.message


# --- CSR and the issued certificate ----------------------------------------------------------------


def test_build_csr() -> None:
    key = load_private_key(generate_private_key())
    der = build_csr(key, "0123456789abcdef0123456789abcdef")
    csr = x509.load_der_x509_csr(der)
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "0123456789abcdef0123456789abcdef"
    assert cast(ec.EllipticCurvePublicKey, csr.public_key()).public_numbers() == key.public_key().public_numbers()
    assert isinstance(csr.signature_hash_algorithm, hashes.SHA256)


def test_issued_certificate_must_carry_our_key_and_chain(pki: Pki) -> None:
    key = load_private_key(generate_private_key())
    leaf = pki.issue(key.public_key())
    cert = check_issued_certificate(_pem(leaf), pki.chain_pem, key.public_key())
    assert cert.serial_number == leaf.serial_number

    other = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(AppError) as info:
        check_issued_certificate(_pem(pki.issue(other.public_key())), pki.chain_pem, key.public_key())
    assert info.value.code == "bad_certificate"


def test_issued_certificate_with_a_broken_chain_is_refused(pki: Pki) -> None:
    key = load_private_key(generate_private_key())
    leaf = _pem(pki.issue(key.public_key()))
    stranger = Pki()  # same names, other keys: names match but signatures do not
    cases = [
        [],
        [_pem(pki.root)],  # issuing CA missing
        [_pem(pki.root), _pem(pki.issuing)],  # wrong order
        [_pem(stranger.issuing), _pem(pki.root)],
        [_pem(pki.issuing), _pem(stranger.root)],
        [_pem(pki.issuing)],  # no root
        ["not a certificate"],
    ]
    for chain in cases:
        with pytest.raises(AppError) as info:
            check_issued_certificate(leaf, chain, key.public_key())
        assert info.value.code == "bad_certificate", chain


# --- command line ----------------------------------------------------------------------------------


def test_cli_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "scan" in capsys.readouterr().out
    assert main(["scan", "--help"]) == 0


def test_cli_usage_errors_exit_2(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = ["--home", str(tmp_path / "phone")]
    assert main([*home, "scan"]) == 2
    assert main([*home, "scan", "--payload", "x", "--image", "y.png"]) == 2
    assert main([*home, "scan", "--payload", "x", "--yes", "--reject"]) == 2
    assert main([*home, "scan", "--payload", "x", "--password-stdin"]) == 2  # needs --yes or --reject
    assert main([*home, "download", "not-a-number"]) == 2
    assert main(home) == 2
    capsys.readouterr()


def test_cli_refusal_exits_1_with_message(tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--home", str(tmp_path / "phone"), "certs"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误: ") and "(not_logged_in)" in err


# --- import rule -----------------------------------------------------------------------------------


FORBIDDEN = {"signer", "api", "realtime", "pdfsign", "flask", "flask_socketio"}


def test_mobile_imports_only_keystore_from_the_project() -> None:
    files = sorted((ROOT / "mobile").rglob("*.py"))
    assert files
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level else [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, f"{path.name} imports {name}"


# --- Socket.IO conversation against a fake /app namespace ------------------------------------------


def _sealed_keystore(client: AppClient, pki: Pki) -> tuple[Any, bytes, bytes, x509.Certificate]:
    """A keystore for this client's device: (keystore, verifier V, share S, certificate)."""
    key_der = generate_private_key()
    cert = pki.issue(load_private_key(key_der).public_key())
    enrollment = enroll(PASSWORD)
    share = new_share()
    ks = seal(key_der, enrollment.password_key, share, client.device_id, format(cert.serial_number, "x"),
              _pem(cert), pki.chain_pem, enrollment.params)
    return ks, enrollment.verifier, share, cert


class FakeAppNamespace:
    """Just enough of the documented `/app` conversation to drive the client; records what it got."""

    def __init__(self, verifier: bytes, share: bytes, cert: x509.Certificate, seals: int = 2) -> None:
        self.verifier, self.share, self.cert, self.seals = verifier, share, cert, seals
        self.nonce = new_nonce()
        self.challenge_id = 1
        self.signatures: list[tuple[int, bytes]] = []
        self.events: list[str] = []
        self.attrs = {pos: b"\x31\x06\x02\x01" + bytes([pos]) + b"\x02\x01\x00" for pos in range(1, seals + 1)}

    def _challenge(self) -> dict[str, Any]:
        return {"id": self.challenge_id, "nonce": base64.b64encode(self.nonce).decode()}

    def _round(self, pos: int) -> dict[str, Any]:
        return {"position": pos, "total": self.seals, "seal": "company",
                "signed_attrs": base64.b64encode(self.attrs[pos]).decode(), "digest_algorithm": "sha256"}

    def connect(self, sid: str, environ: dict, auth: Any) -> None:
        import socketio

        if not isinstance(auth, dict) or auth.get("token") != "tok":
            raise socketio.exceptions.ConnectionRefusedError("unauthorized")

    def scan(self, sid: str, data: dict) -> dict:
        self.events.append("scan")
        if data.get("payload") != PAYLOAD:
            return {"ok": False, "error": {"code": "bad_qr_signature", "message": "二维码无效", "details": {}}}
        return {"ok": True, "result": {
            "session_id": "sess-1", "title": "合同", "enterprise": "测试企业", "page_count": 3,
            "document_sha256": "00" * 32, "confirmation_code": "4821", "pc_ip": "10.0.0.2",
            "pc_user_agent": "Chromium", "expires_at": "2030-01-01T00:00:00Z",
            "certificate": {"id": 7, "serial": format(self.cert.serial_number, "x"), "subject": "CN=x"},
            "seals": [{"seal": "company", "label": "企业公章", "page": 1, "x": 10, "y": 10, "width": 100,
                       "height": 100, "field_name": None}],
            "challenge": self._challenge()}}

    def approve(self, sid: str, data: dict) -> dict:
        self.events.append("approve")
        response = base64.b64decode(data["response"])
        good = data["challenge_id"] == self.challenge_id and response == expected_unlock_response(
            self.verifier, self.nonce)
        self.challenge_id += 1
        self.nonce = new_nonce()
        if not good:
            return {"ok": False, "error": {"code": "wrong_password", "message": "签名密码错误",
                                           "details": {"remaining": 4, "challenge": self._challenge()}}}
        return {"ok": True, "result": {"share": base64.b64encode(self.share).decode(), "round": self._round(1)}}

    def sign_round(self, sid: str, data: dict) -> dict:
        self.events.append("sign_round")
        pos = data["position"]
        signature = base64.b64decode(data["signature"])
        self.signatures.append((pos, signature))
        try:
            cast(ec.EllipticCurvePublicKey, self.cert.public_key()).verify(signature, self.attrs[pos],
                                                                           ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return {"ok": False, "error": {"code": "bad_signature_value", "message": "签名值无效", "details": {}}}
        if pos == self.seals:
            return {"ok": True, "result": {"done": True, "status": "signed"}}
        return {"ok": True, "result": {"done": False, "round": self._round(pos + 1)}}

    def reject(self, sid: str, data: dict) -> dict:
        self.events.append("reject")
        return {"ok": True, "result": {"status": "rejected"}}


@pytest.fixture
def fake_server() -> Iterator[tuple[str, dict[str, FakeAppNamespace]]]:
    socketio = pytest.importorskip("socketio")
    serving = pytest.importorskip("werkzeug.serving")
    holder: dict[str, FakeAppNamespace] = {}
    sio = socketio.Server(async_mode="threading")

    for event in ("connect", "scan", "approve", "sign_round", "reject"):
        def handler(*args: Any, _event: str = event) -> Any:
            return getattr(holder["ns"], _event)(*args)

        sio.on(event, handler, namespace="/app")
    server = serving.make_server("127.0.0.1", 0, socketio.WSGIApp(sio), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", holder
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _phone(tmp_path: pathlib.Path, url: str, pki: Pki, holder: dict, token: str | None = None,
           transports: list[str] | None = None) -> AppClient:
    # Long-polling by default: the fake server never answers the websocket close handshake.
    client = AppClient(url, tmp_path / "phone", timeout=10, transports=transports or ["polling"])
    ks, verifier, share, cert = _sealed_keystore(client, pki)
    client.storage.save_keystore(7, ks)
    client.storage.update_state(server_url=url, token=token or "tok")
    holder["ns"] = FakeAppNamespace(verifier, share, cert)
    return client


def test_scan_wrong_password_then_approve_signs_every_round(tmp_path, fake_server, pki) -> None:
    url, holder = fake_server
    with _phone(tmp_path, url, pki, holder, transports=["websocket", "polling"]) as client:
        info = client.scan(PAYLOAD)
        assert client._sio is not None and client._sio.transport() == "websocket"
        assert info["confirmation_code"] == "4821" and info["certificate"]["id"] == 7
        with pytest.raises(AppError) as wrong:
            client.approve("Sign#2024ko")
        assert wrong.value.code == "wrong_password" and wrong.value.remaining == 4
        assert client.pending_scan is not None  # the fresh challenge is kept for a retry
        result = client.approve(PASSWORD)
        assert result == {"status": "signed", "session_id": "sess-1", "rounds": 2}
        assert client.pending_scan is None
    ns = holder["ns"]
    assert ns.events == ["scan", "approve", "approve", "sign_round", "sign_round"]
    assert [pos for pos, _ in ns.signatures] == [1, 2]


def test_tampered_signature_is_reported_and_ends_the_conversation(tmp_path, fake_server, pki) -> None:
    url, holder = fake_server
    with _phone(tmp_path, url, pki, holder) as client:
        client.scan(PAYLOAD)

        def flip(sig: bytes) -> bytes:
            return sig[:-1] + bytes([sig[-1] ^ 1])

        with pytest.raises(AppError) as info:
            client.approve(PASSWORD, tamper=flip)
        assert info.value.code == "bad_signature_value"
        assert client.pending_scan is None
        with pytest.raises(AppError) as info:
            client.approve(PASSWORD)
        assert info.value.code == "no_scan"


def test_scan_refusals_and_reject(tmp_path, fake_server, pki) -> None:
    url, holder = fake_server
    with _phone(tmp_path, url, pki, holder) as client:
        with pytest.raises(AppError) as info:
            client.scan("ygqc://sign?s=abc&t=1&h=forged")
        assert info.value.code == "bad_qr_signature" and info.value.status is None
        client.scan(PAYLOAD)
        assert client.reject() == {"status": "rejected"}
        assert client.pending_scan is None
    assert holder["ns"].events == ["scan", "scan", "reject"]


def test_refused_socket_connection(tmp_path, fake_server, pki) -> None:
    url, holder = fake_server
    with _phone(tmp_path, url, pki, holder, token="stale") as client:
        with pytest.raises(AppError) as info:
            client.scan(PAYLOAD)
        assert info.value.code == "connection_refused"
        assert "unauthorized" in info.value.message


def test_cli_scan_with_password_stdin(tmp_path, fake_server, pki, monkeypatch, capsys) -> None:
    import io

    url, holder = fake_server
    _phone(tmp_path, url, pki, holder)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(["--server", url, "--home", str(tmp_path / "phone"), "scan", "--payload", PAYLOAD, "--yes",
                 "--password-stdin"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "确认码: 4821" in out and "企业公章" in out and "签署完成" in out


# --- HTTP calls against a fake /api/v1/app ----------------------------------------------------------


class FakeHttpApp:
    """Login, certificate list, download (issues from the test PKI), password change, as documented."""

    def __init__(self, pki: Pki) -> None:
        self.pki = pki
        self.verifier = b""
        self.share = b""
        self.nonce = b""
        self.seen: list[tuple[str, str, Any]] = []

    def __call__(self, environ: dict, start_response: Any) -> list[bytes]:
        import json

        from werkzeug.wrappers import Request, Response

        req = Request(environ)
        body = req.get_json(silent=True)
        self.seen.append((req.method, req.path, body))
        status, answer = self.route(req.method, req.path, body, req.headers.get("Authorization"))
        resp = Response(json.dumps(answer), status=status, content_type="application/json")
        return list(resp(environ, start_response))

    def route(self, method: str, path: str, body: Any, auth: str | None) -> tuple[int, dict]:
        b64 = base64.b64encode
        if path == "/api/v1/app/login":
            if body["password"] != "login-pw":
                return 401, {"error": {"code": "bad_credentials", "message": "用户名或密码错误", "details": {}}}
            return 200, {"token": "tok", "account": {"id": 1, "username": body["username"], "name": "张三"}}
        if auth != "Bearer tok":
            return 401, {"error": {"code": "unauthorized", "message": "请登录", "details": {}}}
        if path == "/api/v1/app/logout":
            return 200, {}
        if path == "/api/v1/app/certificates":
            return 200, {"items": [{"id": 7, "status": "effective", "status_label": "已生效", "serial": "ab",
                                    "not_after": "2030-01-01T00:00:00Z", "remaining": 10}]}
        if path == "/api/v1/app/certificates/7/download":
            csr = x509.load_der_x509_csr(base64.b64decode(body["csr"]))
            assert csr.is_signature_valid
            self.verifier = base64.b64decode(body["verifier"])
            self.share = new_share()
            cert = self.pki.issue(csr.public_key())
            return 200, {"certificate_pem": _pem(cert), "chain_pem": self.pki.chain_pem,
                         "share": b64(self.share).decode(), "serial": format(cert.serial_number, "x")}
        if path == "/api/v1/app/certificates/7/password-challenge":
            self.nonce = new_nonce()
            return 200, {"challenge": {"id": 3, "nonce": b64(self.nonce).decode()}}
        if path == "/api/v1/app/certificates/7/password":
            if base64.b64decode(body["response"]) != expected_unlock_response(self.verifier, self.nonce):
                return 403, {"error": {"code": "wrong_password", "message": "签名密码错误",
                                       "details": {"remaining": 4}}}
            old, self.share = self.share, new_share()
            self.verifier = base64.b64decode(body["new_verifier"])
            return 200, {"share": b64(self.share).decode(), "old_share": b64(old).decode()}
        return 404, {"error": {"code": "not_found", "message": "不存在", "details": {}}}


@pytest.fixture
def fake_http(pki: Pki) -> Iterator[tuple[str, FakeHttpApp]]:
    serving = pytest.importorskip("werkzeug.serving")
    app = FakeHttpApp(pki)
    server = serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_login_download_and_change_password(tmp_path, fake_http) -> None:
    from keystore import open_keystore, verifier_from_password

    url, app = fake_http
    client = AppClient(url, tmp_path / "phone", timeout=10)
    with pytest.raises(AppError) as info:
        client.login("op1", "nope")
    assert (info.value.code, info.value.status, info.value.message) == ("bad_credentials", 401, "用户名或密码错误")
    client.login("op1", "login-pw")
    assert app.seen[-1][2]["device_id"] == client.device_id
    assert client.token == "tok" and client.username == "op1"
    assert client.certificates()[0]["status_label"] == "已生效"

    result = client.download_certificate(7, PASSWORD)
    ks = client.storage.load_keystore(7)
    assert result["serial"] == ks.serial_hex and result["certificate_id"] == 7
    password_key, verifier = verifier_from_password(PASSWORD, ks.kdf)
    assert verifier == app.verifier  # the server got V, never the password
    assert open_keystore(ks, password_key, app.share, client.device_id)

    new_password = "新的签名密码2025"
    with pytest.raises(AppError) as info:
        client.change_password(7, "Wrong#2024", new_password)
    assert info.value.code == "wrong_password" and info.value.remaining == 4
    client.change_password(7, PASSWORD, new_password)
    resealed = client.storage.load_keystore(7)
    assert resealed.cert_fingerprint == ks.cert_fingerprint and resealed.kdf.salt != ks.kdf.salt
    new_key, new_verifier = verifier_from_password(new_password, resealed.kdf)
    assert new_verifier == app.verifier
    opened = open_keystore(resealed, new_key, app.share, client.device_id)
    expected = cast(ec.EllipticCurvePublicKey, resealed.certificate().public_key()).public_numbers()
    assert load_private_key(opened).public_key().public_numbers() == expected

    client.logout()
    assert client.token is None
    assert app.seen[-1][:2] == ("POST", "/api/v1/app/logout")
