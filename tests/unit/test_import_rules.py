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


# The domain packages of signer/ and the packages each may import (besides itself). Read it bottom-up: core is
# infrastructure; accounts and ca stand on core alone; certificates and applications know each other (an
# application acts on a certificate, the certificate list shows the open application); billing sells
# applications and never touches signing; ops reads across packages for health and metrics. The top-level
# modules (app, cli, jobs, model_registry, ...) wire the packages together and are imported by none of them.
DOMAIN_IMPORTS: dict[str, set[str]] = {
    "core": set(),
    "accounts": {"core"},
    "ca": {"core"},
    "seals": {"core", "accounts"},
    "sms": {"core", "applications"},  # applications.idnumbers: what a mainland mobile number looks like
    "certificates": {"core", "accounts", "ca", "seals", "applications"},
    "signing": {"core", "accounts", "ca", "certificates", "seals"},
    "business": {"core", "accounts", "signing"},
    "billing": {"core", "accounts", "applications", "ca", "certificates"},
    "applications": {"core", "accounts", "ca", "certificates", "seals", "signing", "billing", "sms"},
    "ops": {"core", "signing"},
    "demo": {"core", "accounts", "billing", "certificates", "seals"},
}
# Config composes every package's settings; the lifecycle's (prices, windows) are defined beside applications.
DOMAIN_EXCEPTIONS = {("signer/core/config.py", "applications")}


def signer_packages_imported() -> dict[str, set[str]]:
    """For each module inside a domain package: the signer packages/top-level modules it imports."""
    found: dict[str, set[str]] = {}
    for path in (ROOT / "signer").rglob("*.py"):
        rel = path.relative_to(ROOT)
        if len(rel.parts) < 3 or rel.parts[1] == "migrations":
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if isinstance(node, ast.ImportFrom) and node.level:
                modules = ["signer.<relative>"]
            for module in modules:
                parts = module.split(".")
                if parts[0] == "signer" and len(parts) > 1:
                    names.add(parts[1])
        found[str(rel)] = names - {rel.parts[1]}
    return found


def test_every_domain_package_is_in_the_table():
    packages = {p.name for p in (ROOT / "signer").iterdir() if (p / "__init__.py").exists()} - {"migrations"}
    assert packages == set(DOMAIN_IMPORTS)


def test_domain_packages_import_only_what_the_table_allows():
    """Also: no domain package imports the wiring (signer.app, signer.cli, ...) or uses relative imports."""
    wrong = sorted(f"{f}: {sorted(n)}" for f, names in signer_packages_imported().items()
                   if (n := {x for x in names - DOMAIN_IMPORTS[Path(f).parts[1]] if (f, x) not in DOMAIN_EXCEPTIONS}))
    assert wrong == []


def test_billing_never_imports_signing_and_core_no_domain_package():
    imported = signer_packages_imported()
    assert [f for f, n in imported.items() if f.startswith("signer/billing/") and "signing" in n] == []
    assert sorted((f, x) for f, n in imported.items() if f.startswith("signer/core/")
                  for x in n if x in DOMAIN_IMPORTS) == sorted(DOMAIN_EXCEPTIONS)


def test_the_lifecycle_catch_all_is_gone():
    assert not list((ROOT / "signer" / "lifecycle").glob("*.py"))  # a stale __pycache__ may stay behind


def test_pages_and_views_never_open_the_database():
    """Issue 10: api/ calls the domain services; only they open read or write transactions."""
    openers = [str(path.relative_to(ROOT)) for path in (ROOT / "api").rglob("*.py")
               if "db.read(" in path.read_text() or "db.write(" in path.read_text()]
    assert openers == []
