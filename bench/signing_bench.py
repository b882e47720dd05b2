"""Signing time per session, next to raw pyHanko signing of the same PDF in the same run.

For each case the service signs a session end to end on the server side (approve: unlock check and the
first round; each round's finish with the phone's value and the next prepare; validation data and the
document timestamp after the last seal), with pyHanko in one worker process as in production; the phone's
ECDSA signature is computed inline, its keystore KDF is not timed. "raw" is pyHanko's own ``PdfSigner``
with the key in-process, on the same PDF with the same empty fields, one signature per seal, a plain text
stamp, at the same PAdES level (same local TSA, same offline validation data). Medians of ``--runs``
warm runs; the first (cold) run of each case is reported separately, since it pays the font subset.
"worker CPU ms/round" is the CPU time the PDF worker processes spent per seal (from /proc), the figure the
worker's overhead is judged by (issue 12 item 2).

    .venv/bin/python bench/signing_bench.py [--runs 7]

Goals (the issue): a Chinese-text stamp ≤ 1.3× a plain one; three seals ≤ 3.3× one.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import tempfile
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from sqlalchemy import select

from keystore import device as ks_device
from pdfsign.ltv import offline_context
from pdfsign.stamps import seal_stamp_style
from pdfsign.tsa import LocalTimeStamper
from signer import migrate
from signer.accounts.models import Account
from signer.app import build_services
from signer.core import audit
from signer.core.config import Config
from signer.core.events import NullNotifier
from signer.demo.samples import sample_pdf
from signer.demo.seed import DEMO_CREDIT_CODE, seed_demo
from signer.seals.enums import SealKind
from signer.seals.seed_seals import seed_demo_seals
from signer.signing.enums import PadesLevel
from signer.signing.models import SigningSession
from signer.signing.service import PlacementRequest

PASSWORD = "Bench-Pass-2026"  # noqa: S105 - a throwaway instance
SIGNING_PASSWORD = "Qm7#bench"  # noqa: S105
SEALS = [PlacementRequest(SealKind.COMPANY, 1, 60, 60, 150, 110),
         PlacementRequest(SealKind.LEGAL_REP, 1, 230, 60, 150, 110),
         PlacementRequest(SealKind.HANDWRITTEN, 1, 400, 60, 150, 110)]


@dataclass
class Phone:
    who: object
    keystore: ks_device.Keystore
    cert_id: int


def setup(workdir: Path):
    config = Config(instance_path=workdir / "instance", database_url="", signing_workers=1,
                    base_url="http://127.0.0.1:1")
    services = build_services(config, NullNotifier())
    migrate.upgrade(services.db)
    with services.db.write() as s:
        audit.ensure_head(s)
    services.ca.initialize("基准测试认证中心")
    seed_demo(services.db, PASSWORD, usage_limit=100000)
    fonts = services.signing.font_paths()
    if not fonts:
        raise SystemExit("no CJK font (install fonts-noto-cjk)")
    seed_demo_seals(services.seals, DEMO_CREDIT_CODE, "operator1", fonts[0])
    account = services.accounts.authenticate("operator1", PASSWORD, "127.0.0.1")
    who = services.accounts.identify_app(services.accounts.issue_app_token(account, "bench", "bench", "ip"))
    key = ec.generate_private_key(ec.SECP256R1())
    csr = (x509.CertificateSigningRequestBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench")]))
           .sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    enrollment = ks_device.enroll(SIGNING_PASSWORD)
    cert_id = services.certificates.for_account(account.id)[0].id
    result = services.certificates.download(who, cert_id, csr, enrollment.verifier, "ip")
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    ks = ks_device.seal(der, enrollment.password_key, result.share, "bench", result.serial_hex,
                        result.certificate_pem, result.chain_pem, enrollment.params)
    return services, Phone(who, ks, cert_id), key


def workers_cpu(services) -> float:
    """CPU seconds the PDF workers have run so far (/proc/PID/schedstat: nanoseconds on a CPU)."""
    return sum(int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
               for pid in services.pool.worker_pids()) / 1e9


def session_seconds(services, phone: Phone, pdf: bytes, seals: int, level: PadesLevel, chinese: bool,
                    worker_cpu: list[float] | None = None) -> float:
    """Server-side seconds of one session; appends the workers' CPU seconds per round to ``worker_cpu``."""
    services.signing._font_paths = None if chinese else []  # plain: ASCII text, no image, no embedded font
    with services.db.read() as s:
        admin = s.scalar(select(Account).where(Account.username == "admin"))
    row, _ = services.signing.create(admin, pdf, "bench", SEALS[:seals], "ip", "ua", pades_level=level)
    view = services.signing.scan(phone.who, services.signing.frame_payload(row.id), "ip")
    password_key, verifier = ks_device.verifier_from_password(SIGNING_PASSWORD, phone.keystore.kdf)
    response = ks_device.unlock_response(verifier, base64.b64decode(view["challenge"]["nonce"]))
    start = time.perf_counter()
    cpu_before = workers_cpu(services)
    approved = services.signing.approve(phone.who, row.id, view["challenge"]["id"], response, "ip")
    paused = time.perf_counter()
    der = ks_device.open_keystore(phone.keystore, password_key, base64.b64decode(approved["share"]), "bench")
    key = serialization.load_der_private_key(der, None)
    start += time.perf_counter() - paused  # the phone's keystore KDF is not the server's time
    rnd = approved["round"]
    while True:
        signature = key.sign(base64.b64decode(rnd["signed_attrs"]), ec.ECDSA(hashes.SHA256()))
        result = services.signing.submit(phone.who, row.id, rnd["position"], signature, "ip")
        if result["done"]:
            break
        rnd = result["round"]
    elapsed = time.perf_counter() - start
    if worker_cpu is not None:
        worker_cpu.append((workers_cpu(services) - cpu_before) / seals)
    with services.db.read() as s:
        assert s.get(SigningSession, row.id).signed_sha256
    return elapsed


def seal_stamps(services, seals: int) -> list[TextStampStyle]:
    """The service's own appearance for each seal (the seal image above one Chinese line), for raw pyHanko."""
    with services.db.read() as s:
        account_id = s.scalar(select(Account).where(Account.username == "operator1")).id
    fonts = services.signing.font_paths()
    return [seal_stamp_style(["操作员一 签署于 2026-11-30 09:30:00"], fonts,
                             services.seals.shown_image(account_id, p.seal), p.height) for p in SEALS[:seals]]


def raw_seconds(services, key: ec.EllipticCurvePrivateKey, prepared_pdf: bytes, seals: int,
                level: PadesLevel, stamps: list[TextStampStyle] | None = None) -> float:
    """pyHanko alone: the same fields filled one by one with an in-process key, same level; a plain text
    stamp, or ``stamps`` (one per seal)."""
    with services.db.read() as s:
        cert_der = services.certificates.for_account(
            s.scalar(select(Account).where(Account.username == "operator1")).id)[0].certificate_der
    chain = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in services.ca.chain()]
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert_der),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs(chain[:1]),
    )
    timestamper = LocalTimeStamper(services.ca.tsa_credentials()) if level != PadesLevel.B_B else None
    root = services.ca.root.public_bytes(serialization.Encoding.DER)

    async def run() -> None:
        data = prepared_pdf
        for i, placement in enumerate(SEALS[:seals]):
            last = i + 1 == seals
            long_term = last and level in (PadesLevel.B_LT, PadesLevel.B_LTA)
            material = services.ca.revocation_material([x509.load_der_x509_certificate(cert_der)])
            meta = signers.PdfSignatureMetadata(
                field_name=f"Seal{i + 1}_{placement.seal.value}", md_algorithm="sha256",
                subfilter=SigSeedSubFilter.PADES, embed_validation_info=long_term,
                validation_context=offline_context([root], material) if long_term else None,
                use_pades_lta=last and level == PadesLevel.B_LTA,
            )
            style = stamps[i] if stamps else TextStampStyle(stamp_text="Signed by: bench\nTime: %(ts)s")
            pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper, stamp_style=style)
            out = await pdf_signer.async_sign_pdf(IncrementalPdfFileWriter(BytesIO(data)), output=BytesIO(),
                                                  bytes_reserved=24576)
            data = out.getvalue()

    start = time.perf_counter()
    asyncio.run(run())
    return time.perf_counter() - start


def prepared_pdf(services, pdf: bytes, seals: int) -> bytes:
    """The PDF with the empty signature fields of the first ``seals`` placements, as the service prepares it."""
    fields = [{"field_name": f"Seal{i + 1}_{p.seal.value}", "page": p.page, "x": p.x, "y": p.y,
               "width": p.width, "height": p.height} for i, p in enumerate(SEALS[:seals])]
    return base64.b64decode(services.pool.request("prepare_document", pdf=base64.b64encode(pdf).decode(),
                                                  placements=fields, max_bytes=10**7)["pdf"])


def raw_baseline(runs: int) -> dict[str, float]:
    """CPU and wall time of one raw pyHanko signature (B-B, one visible stamp) over warm runs: with the plain
    text stamp (``cpu_s`` …), and with the service's own stamp, seal image and Chinese line (``cpu_seal_s`` …).

    The load harness (bench/load.py) runs this in its own process, so nothing else shares its CPU clock.
    """
    services, _phone, key = setup(Path(tempfile.mkdtemp(prefix="signer-bench-")))
    prepared = prepared_pdf(services, sample_pdf("Benchmark contract"), 1)
    figures: dict[str, float] = {}
    for suffix, stamps in (("", None), ("_seal", seal_stamps(services, 1))):
        raw_seconds(services, key, prepared, 1, PadesLevel.B_B, stamps)  # cold: imports, font subset
        cpu, wall = [], []
        for _ in range(runs):
            started = time.process_time()
            wall.append(raw_seconds(services, key, prepared, 1, PadesLevel.B_B, stamps))
            cpu.append(time.process_time() - started)
        # The least of the warm runs: on a shared machine other work only ever adds to a run's time.
        figures.update({f"cpu{suffix}_s": min(cpu), f"cpu{suffix}_median_s": statistics.median(cpu),
                        f"wall{suffix}_s": min(wall), f"wall{suffix}_median_s": statistics.median(wall)})
    services.pool.close()
    return figures


def main() -> None:
    import json
    import logging

    logging.getLogger("pyhanko").setLevel(logging.ERROR)  # raw pyHanko warns that fetching is off (on purpose)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--raw-json", action="store_true", help="only the raw pyHanko baseline, as JSON")
    args = parser.parse_args()
    if args.raw_json:
        print(json.dumps(raw_baseline(args.runs)))
        return
    workdir = Path(tempfile.mkdtemp(prefix="signer-bench-"))
    services, phone, key = setup(workdir)
    pdf = sample_pdf("Benchmark contract")
    prepared = {n: prepared_pdf(services, pdf, n) for n in (1, 3)}
    cases = [("B-B, 1 seal, plain text", 1, PadesLevel.B_B, False),
             ("B-B, 1 seal, Chinese + image", 1, PadesLevel.B_B, True),
             ("B-B, 3 seals, plain text", 3, PadesLevel.B_B, False),
             ("B-B, 3 seals, Chinese + image", 3, PadesLevel.B_B, True),
             ("B-T, 1 seal, Chinese + image", 1, PadesLevel.B_T, True),
             ("B-LT, 1 seal, Chinese + image", 1, PadesLevel.B_LT, True),
             ("B-LTA, 1 seal, Chinese + image", 1, PadesLevel.B_LTA, True),
             ("B-LTA, 3 seals, Chinese + image", 3, PadesLevel.B_LTA, True)]
    # Interleaved rounds, so a busy moment of the machine does not land on one case only.
    colds = {name: session_seconds(services, phone, pdf, seals, level, chinese)
             for name, seals, level, chinese in cases}
    ours_runs: dict[str, list[float]] = {name: [] for name, *_ in cases}
    raw_runs: dict[str, list[float]] = {name: [] for name, *_ in cases}
    cpu_runs: dict[str, list[float]] = {name: [] for name, *_ in cases}
    for _ in range(args.runs):
        for name, seals, level, chinese in cases:
            ours_runs[name].append(session_seconds(services, phone, pdf, seals, level, chinese, cpu_runs[name]))
            raw_runs[name].append(raw_seconds(services, key, prepared[seals], seals, level))
    results: dict[str, tuple[float, float, float]] = {}
    print(f"{'case':34} {'cold ms':>8} {'ours ms':>8} {'raw ms':>8} {'ours/raw':>8} {'worker CPU ms/round':>20}")
    for name, *_ in cases:
        ours, raw = statistics.median(ours_runs[name]), statistics.median(raw_runs[name])
        results[name] = (colds[name], ours, raw)
        cpu = statistics.median(cpu_runs[name])
        print(f"{name:34} {colds[name] * 1000:8.0f} {ours * 1000:8.0f} {raw * 1000:8.0f} {ours / raw:8.2f} "
              f"{cpu * 1000:20.1f}")
    plain, chinese = results["B-B, 1 seal, plain text"][1], results["B-B, 1 seal, Chinese + image"][1]
    one, three = chinese, results["B-B, 3 seals, Chinese + image"][1]
    print()
    print(f"Chinese stamp / plain stamp (B-B, 1 seal): {chinese / plain:.2f}×  (goal ≤ 1.30×)")
    print(f"three seals / one seal (B-B, Chinese):     {three / one:.2f}×  (goal ≤ 3.30×)")
    services.pool.close()


if __name__ == "__main__":
    main()
