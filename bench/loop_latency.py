"""Does PDF signing stall the server's event loop? (DESIGN §5)

Runs the same signing load against two live servers, one with pyHanko in worker processes
(``SIGNER_SIGNING_WORKERS=2``, the default) and one with pyHanko in the serving process (``=0``), while a
probe measures the latency of a trivial request every 20 ms. Prints percentiles and the ratio.

    .venv/bin/python bench/loop_latency.py [--sessions 8]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from pathlib import Path

import requests

from mobile import AppClient
from signer.cli_demo import DEMO_PASSWORD, SIGNING_PASSWORD, LiveServer, PcClient
from signer.demo.samples import sample_pdf


def probe(url: str, stop: threading.Event, out: list[float]) -> None:
    http = requests.Session()
    while not stop.is_set():
        t = time.perf_counter()
        http.get(f"{url}/pki/root.pem", timeout=30)
        out.append((time.perf_counter() - t) * 1000)
        time.sleep(0.02)


def load(url: str, sessions: int, home: Path) -> float:
    pc = PcClient(url)
    pc.login("admin", DEMO_PASSWORD)
    phone = AppClient(url, home)
    phone.login("operator1", DEMO_PASSWORD)
    phone.download_certificate(phone.certificates()[0]["id"], SIGNING_PASSWORD)
    pdf = sample_pdf("Load test", pages=30)
    seals = [{"seal": kind, "page": 1, "x": 50 + 170 * i, "y": 60, "width": 150, "height": 70}
             for i, kind in enumerate(("company", "legal_rep", "handwritten"))]
    started = time.perf_counter()
    for _ in range(sessions):
        sid = pc.create_session(pdf, "load", seals).json()["id"]
        pc.join(sid)
        phone.scan(pc.shown_frame()["payload"])
        phone.approve(SIGNING_PASSWORD)
        pc.wait_status("signed")
        pc.close()
        pc.states.clear()
        pc.frames.clear()
    return time.perf_counter() - started


def measure(workers: int, sessions: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        server = LiveServer(Path(tmp) / "instance", env={"SIGNER_SIGNING_WORKERS": str(workers)})
        with server:
            idle: list[float] = []
            stop = threading.Event()
            t = threading.Thread(target=probe, args=(server.url, stop, idle))
            t.start()
            time.sleep(2)
            stop.set()
            t.join()
            busy: list[float] = []
            stop = threading.Event()
            t = threading.Thread(target=probe, args=(server.url, stop, busy))
            t.start()
            elapsed = load(server.url, sessions, Path(tmp) / "phone")
            stop.set()
            t.join()
    q = statistics.quantiles(busy, n=100)
    return {"idle_p50": statistics.median(idle), "p50": q[49], "p95": q[94], "max": max(busy),
            "elapsed_s": elapsed, "samples": len(busy)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    args = parser.parse_args()
    rows = {"in-process (baseline)": measure(0, args.sessions), "worker processes": measure(2, args.sessions)}
    print(f"{args.sessions} sessions x 3 seals, 30-page PDF; probe latency in ms while signing")
    print(f"{'mode':24} {'idle p50':>9} {'p50':>8} {'p95':>8} {'max':>8} {'load s':>8} {'samples':>8}")
    for name, r in rows.items():
        print(f"{name:24} {r['idle_p50']:9.1f} {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f} "
              f"{r['elapsed_s']:8.2f} {r['samples']:8d}")
    base, work = rows["in-process (baseline)"], rows["worker processes"]
    print(f"p95 ratio workers/in-process: {work['p95'] / base['p95']:.2f}   "
          f"max ratio: {work['max'] / base['max']:.2f}")


if __name__ == "__main__":
    main()
