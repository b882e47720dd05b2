"""A PDF worker process (pdfsign.worker's loop) that logs in the server's JSON format to stderr.

``--blob-root`` is the instance's blob folder: signing rounds name their documents by hash in it
instead of sending them through the pipe.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pdfsign import worker
from signer.core.logging_setup import configure_logging
from signer.core.storage import FileBlobStore


def main(argv: list[str] | None = None) -> None:
    configure_logging()
    parser = argparse.ArgumentParser(prog="signer.signing.pdf_worker", add_help=False)
    parser.add_argument("--blob-root", default="")
    args, rest = parser.parse_known_args(argv)
    worker.main(rest, FileBlobStore(Path(args.blob_root)) if args.blob_root else None)


if __name__ == "__main__":
    main()
