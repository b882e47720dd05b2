"""P6: one signing round through the task queue ÷ the same round through the local worker pool.

The same instance signs sessions (B-B, one seal, Chinese stamp with the seal image: one round, i.e. the
approval's prepare and the phone's finish) two ways, interleaved: with its own worker process (the
embedded default), and with ``SIGNER_PDF_QUEUE`` set, every PDF job going through Redis to a
``signer pdf-worker`` process (one signing worker, its own instance folder, as on another machine).
Server-side wall time per round, medians of ``--runs``, and the median of each pair's ratio (a queued
round against the local round just before it); the phone's KDF is not timed.

    .venv/bin/python bench/queue_bench.py [--runs 25] [--redis redis://127.0.0.1:6379/14]

Target (issue 12, P6): queue ÷ local ≤ 1.2.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))

from signing_bench import session_seconds, setup

from signer.app import build_services
from signer.cli_demo import start_queue_worker
from signer.core.config import Config
from signer.core.events import NullNotifier
from signer.demo.samples import sample_pdf
from signer.signing.enums import PadesLevel


def main() -> None:
    logging.getLogger().setLevel(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=25)
    parser.add_argument("--redis", default=(os.environ.get("TEST_REDIS_URL") and
                        os.environ["TEST_REDIS_URL"].rsplit("/", 1)[0] + "/14") or "redis://127.0.0.1:6379/14")
    args = parser.parse_args()
    try:
        redis.Redis.from_url(args.redis, socket_connect_timeout=2).ping()
    except redis.RedisError:
        print(f"P6 skipped: no Redis answering at {args.redis}")
        return
    workdir = Path(tempfile.mkdtemp(prefix="signer-queue-bench-"))
    local, phone, _key = setup(workdir)
    worker_env = {"SIGNER_PDF_QUEUE": args.redis, "SIGNER_SIGNING_WORKERS": "1", "SIGNER_BULK_WORKERS": "1"}
    worker = start_queue_worker(workdir / "worker", worker_env)
    try:
        queued = build_services(Config(instance_path=workdir / "instance", database_url="", signing_workers=1,
                                       base_url="http://127.0.0.1:1", pdf_queue_url=args.redis), NullNotifier())
        pdf = sample_pdf("Benchmark contract")
        one_round = (pdf, 1, PadesLevel.B_B, True)
        session_seconds(local, phone, *one_round)  # warm both sides (fonts, caches)
        session_seconds(queued, phone, *one_round)
        times: dict[str, list[float]] = {"local": [], "queue": []}
        for _ in range(args.runs):
            times["local"].append(session_seconds(local, phone, *one_round))
            times["queue"].append(session_seconds(queued, phone, *one_round))
        lpool, qpool = statistics.median(times["local"]), statistics.median(times["queue"])
        # Each queued round next to the local one run just before it: the machine's load drifts between rounds
        # far more than within a pair, so the median of the pairs' ratios is the steadier figure.
        pairs = statistics.median(q / local for local, q in zip(times["local"], times["queue"], strict=True))
        print("P6: one round (B-B, one seal, Chinese stamp), server-side wall time, median of", args.runs)
        print(f"  local worker pool:  {lpool * 1000:7.1f} ms")
        print(f"  task queue (Redis): {qpool * 1000:7.1f} ms")
        print(f"  queue ÷ local:      {qpool / lpool:7.2f}   (target ≤ 1.20)")
        print(f"  median of the {args.runs} pairs' ratios: {pairs:.2f}")
        queued.pool.close()
    finally:
        worker.terminate()
        worker.wait(15)
        local.pool.close()
        client = redis.Redis.from_url(args.redis)
        for key in client.scan_iter("signer*"):
            client.delete(key)


if __name__ == "__main__":
    main()
