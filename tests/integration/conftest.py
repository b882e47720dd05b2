"""Live servers on loopback: ``signer init`` + ``signer serve`` in subprocesses, real sockets."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from signer.cli_demo import DEMO_PASSWORD, LiveServer, PcClient
from tests.needs import tool


@pytest.fixture
def pc(live_server: LiveServer) -> Iterator[PcClient]:
    client = PcClient(live_server.url)
    client.login("admin", DEMO_PASSWORD)
    yield client
    client.close()


def nss_trusting(root_pem: Path, workdir: Path) -> Path:
    """An NSS database (for poppler's pdfsig) that trusts only the platform root."""
    certutil = tool("certutil")
    tool("pdfsig")
    nss = workdir / "nss"
    nss.mkdir()
    subprocess.run([certutil, "-N", "-d", f"sql:{nss}", "--empty-password"], check=True)
    subprocess.run([certutil, "-A", "-d", f"sql:{nss}", "-n", "platform-root", "-t", "CT,C,C", "-i",
                    str(root_pem)], check=True)
    return nss


def pdfsig_report(pdf: Path, nss: Path, ocsp: bool) -> str:
    args = [tool("pdfsig"), "-nssdir", f"sql:{nss}", str(pdf)]
    if not ocsp:
        args.insert(1, "-no-ocsp")
    return subprocess.run(args, capture_output=True, text=True, timeout=60).stdout


def pdfsig_each_signature(pdf: Path, nss: Path, ocsp: bool) -> list[str]:
    """pdfsig's report for every signature (not document timestamps, which poppler 22.12 cannot check) on
    its own, in its own process.

    poppler 22.12 (Debian 12) keeps NSS state between the signatures of one run: after the first, importing
    the byte-identical signer certificates again can fail with SEC_ERROR_REUSED_ISSUER_AND_SERIAL, and it
    then reads that stale error as the certificate verdict ("Unknown issue with Certificate"), even where the
    verification itself succeeded. Seen with timestamped (B-T and later) signatures; newer poppler checks the
    verification result instead. So each signature is shown to pdfsig alone: an appended revision whose form
    and page list only that field (the signature's own bytes and byte range are untouched).
    """
    from io import BytesIO

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    data = pdf.read_bytes()
    fields = [f for f in IncrementalPdfFileWriter(BytesIO(data)).root["/AcroForm"]["/Fields"]
              if f.get_object().get("/FT") == "/Sig" and f.get_object()["/V"].get("/Type") != "/DocTimeStamp"]
    reports = []
    for i, field in enumerate(fields):
        writer = IncrementalPdfFileWriter(BytesIO(data))
        form = writer.root["/AcroForm"]
        form["/Fields"] = generic.ArrayObject([field])
        writer.update_container(form)
        for page_ref in writer.root["/Pages"]["/Kids"]:  # pdfsig also finds signatures by their widgets
            page = page_ref.get_object()
            annots = page.get("/Annots")
            if annots is not None:
                keep = [a for a in annots if a.get_object().get("/FT") != "/Sig" or a.idnum == field.idnum]
                page["/Annots"] = generic.ArrayObject(keep)
                writer.update_container(page)
        out = BytesIO()
        writer.write(out)
        alone = pdf.with_name(f"{pdf.stem}.field{i}.pdf")
        alone.write_bytes(out.getvalue())
        reports.append(pdfsig_report(alone, nss, ocsp))
    return reports
