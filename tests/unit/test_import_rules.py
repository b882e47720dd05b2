"""DESIGN §2: who may import whom, read from every module's import statements."""

from __future__ import annotations

import ast
from collections.abc import Set as AbstractSet
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = {"signer", "api", "realtime", "pdfsign", "keystore", "mobile"}


def imports_of(package: str) -> dict[str, set[str]]:
    """Top-level names each module of ``package`` imports (relative imports resolve to the package)."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                names.add(package if node.level else (node.module or "").split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


def offenders(package: str, forbidden: set[str], allowed_files: AbstractSet[str] = frozenset()) -> list[str]:
    return sorted(f"{f}: {sorted(names & forbidden)}" for f, names in imports_of(package).items()
                  if names & forbidden and f not in allowed_files)


def test_pure_libraries_import_neither_flask_nor_the_server():
    server = {"flask", "flask_socketio", "signer", "api", "realtime"}
    assert offenders("pdfsign", server | {"mobile", "keystore"}) == []
    assert offenders("keystore", server | {"mobile", "pdfsign"}) == []


def test_domain_does_not_know_http_or_sockets():
    assert offenders("signer", {"api", "realtime", "flask", "flask_socketio"},
                     {"signer/app.py", "signer/cli.py"}) == []


# Tooling around the server: the composition root, the command line and the demo it runs.
OUTSIDE_THE_DOMAIN = {"signer/app.py", "signer/cli.py", "signer/cli_demo.py"}


def test_domain_does_not_import_the_phone_client():
    """The reference APP client (mobile/) drives a server over the network; the domain never uses it."""
    assert offenders("signer", {"mobile"}, OUTSIDE_THE_DOMAIN) == []


def test_only_the_command_line_runs_the_demo():
    importers = []
    for path in (ROOT / "signer").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.ImportFrom) and (
                    node.module in ("signer.cli_demo", "cli_demo")
                    or (node.module is None and any(a.name == "cli_demo" for a in node.names))):
                importers.append(str(path.relative_to(ROOT)))
    assert importers == ["signer/cli.py"]


def test_reference_app_client_talks_only_over_the_network():
    assert offenders("mobile", (PROJECT - {"mobile", "keystore"}) | {"flask", "flask_socketio"}) == []


def test_only_the_notifier_emits_to_socketio():
    emitters = []
    for path in ROOT.rglob("*.py"):
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        text = path.read_text()
        if ".emit(" in text and "socketio" in text.lower():
            emitters.append(str(path.relative_to(ROOT)))
    assert emitters == ["realtime/notifier.py"]
