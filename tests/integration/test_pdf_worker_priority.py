"""Issue 12 P2/P3: ``signer pdf-worker`` runs its PDF worker processes at the configured lower priority,
and refuses a bad setting at start with a message naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from signer.cli_demo import start_queue_worker


def pdf_workers_of(parent: int) -> list[int]:
    """The PDF worker processes ``parent`` started (from /proc: parent pid and command line)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (proc / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):  # exited meanwhile
            continue
        if ppid == parent and b"signer.signing.pdf_worker" in cmdline:
            found.append(int(proc.name))
    return found


def test_the_queue_workers_pdf_processes_run_at_the_configured_priority(redis_url, tmp_path):
    queue_url = f"{redis_url.rsplit('/', 1)[0]}/13"
    env = {"SIGNER_PDF_QUEUE": queue_url, "SIGNER_SIGNING_WORKERS": "2", "SIGNER_BULK_WORKERS": "1",
           "SIGNER_PDF_NICE": "2", "SIGNER_BULK_PDF_NICE": "5"}
    worker = start_queue_worker(tmp_path / "worker", env)
    try:
        own = os.getpriority(os.PRIO_PROCESS, worker.pid)
        assert sorted(os.getpriority(os.PRIO_PROCESS, pid) for pid in pdf_workers_of(worker.pid)) == [
            min(19, own + 2), min(19, own + 2), min(19, own + 5)]
        assert own == os.getpriority(os.PRIO_PROCESS, 0)  # the queue worker itself is not lowered
    finally:
        worker.terminate()
        worker.wait(15)


def test_a_bad_priority_setting_stops_the_worker_with_a_clear_message(tmp_path):
    env = {**os.environ, "SIGNER_INSTANCE": str(tmp_path), "SIGNER_PDF_QUEUE": "redis://127.0.0.1:1/0",
           "SIGNER_BULK_PDF_NICE": "high"}
    done = subprocess.run([sys.executable, "-m", "signer.cli", "pdf-worker"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert "configuration error: SIGNER_BULK_PDF_NICE must be an integer, not 'high'" in done.stderr
