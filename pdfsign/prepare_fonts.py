"""``python -m pdfsign.prepare_fonts SOURCE DEST_DIR``: prepare the stamp fonts, saying each step on stdout.

The server runs this as a child process, so the minute of CPU work never stalls its event loop.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pdfsign.fonts import prepare_fonts


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m pdfsign.prepare_fonts SOURCE DEST_DIR", file=sys.stderr)
        return 2
    prepare_fonts(Path(args[0]), Path(args[1]), progress=lambda text: print(f"… {text}", flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
