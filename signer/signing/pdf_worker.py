"""A PDF worker process (pdfsign.worker's loop) that logs in the server's JSON format to stderr."""

from __future__ import annotations

from pdfsign import worker
from signer.core.logging_setup import configure_logging


def main() -> None:
    configure_logging()
    worker.main()


if __name__ == "__main__":
    main()
