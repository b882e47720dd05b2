"""Issue 8: SIGNER_ENV=production refuses SQLite, generated secrets, insecure cookies, the console SMS
provider and the demo accounts, and names every reason at once."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from signer.accounts.models import Account
from signer.app import create_app
from signer.applications.settings import LifecycleSettings
from signer.cli_demo import free_port
from signer.core.config import Config
from signer.production import ENV_SECRETS, ProductionRefused, config_refusals, demo_accounts, enforce, refusals
from tests.helpers import provision

PG = "postgresql://signer@db.internal:5432/signer"


def good_env() -> dict[str, str]:
    return {"SIGNER_ENV": "production", **{env: secrets.token_hex(32) for env in ENV_SECRETS.values()}}


def good_config(tmp_path: Path, **changes: object) -> Config:
    values: dict[str, Any] = {"instance_path": tmp_path / "instance", "database_url": PG, "secure_cookies": True,
                              "lifecycle": LifecycleSettings(sms_provider="outbox")}
    values.update(changes)
    return Config(**values)


def test_a_good_production_configuration_has_no_refusal(tmp_path):
    assert config_refusals(good_config(tmp_path), good_env()) == []


def test_sqlite_is_refused(tmp_path):
    reasons = config_refusals(good_config(tmp_path, database_url=""), good_env())
    assert len(reasons) == 1 and "SQLite" in reasons[0] and "DATABASE_URL" in reasons[0]


@pytest.mark.parametrize("env_name", sorted(ENV_SECRETS.values()))
def test_each_secret_not_given_by_environment_is_refused(tmp_path, env_name):
    env = good_env()
    del env[env_name]
    reasons = config_refusals(good_config(tmp_path), env)
    assert len(reasons) == 1 and env_name in reasons[0]


def test_secret_files_generated_into_the_instance_folder_are_refused(tmp_path):
    config = good_config(tmp_path)
    config.instance_path.mkdir()
    (config.instance_path / "master.key").write_text("ab" * 32)
    (config.instance_path / "audit.key").write_text("cd" * 32)
    reasons = config_refusals(config, good_env())
    assert len(reasons) == 1 and "audit.key" in reasons[0] and "master.key" in reasons[0]


def test_insecure_cookies_are_refused(tmp_path):
    reasons = config_refusals(good_config(tmp_path, secure_cookies=False), good_env())
    assert len(reasons) == 1 and "SIGNER_SECURE_COOKIES" in reasons[0]


def test_sms_codes_written_to_the_log_are_refused(tmp_path):
    reasons = config_refusals(good_config(tmp_path, lifecycle=LifecycleSettings(sms_provider="console")),
                              good_env())
    assert len(reasons) == 1 and "SIGNER_SMS_PROVIDER" in reasons[0]


def test_demo_accounts_are_refused_until_deactivated(tmp_path):
    services, _ = provision(tmp_path, f"sqlite:///{tmp_path / 'signer.db'}")
    try:
        assert demo_accounts(services.db) == ["admin", "operator1", "operator2", "reviewer"]
        reasons = refusals(services.config, good_env())
        assert any("admin" in r and "SIGNER_SEED_DEMO=0" in r for r in reasons)
        with services.db.write() as s:
            s.execute(update(Account).values(active=False))
        assert demo_accounts(services.db) == []
    finally:
        services.db.dispose()


def test_every_reason_is_listed_at_once_and_nothing_is_created(tmp_path, monkeypatch):
    for env in ENV_SECRETS.values():
        monkeypatch.delenv(env, raising=False)
    monkeypatch.setenv("SIGNER_ENV", "production")
    config = Config(instance_path=tmp_path / "instance", database_url="", signing_workers=0)
    with pytest.raises(ProductionRefused) as refused:
        create_app(config)
    text = str(refused.value)
    for word in ("SQLite", "SIGNER_MASTER_KEY", "SIGNER_SECRET_KEY", "SIGNER_SECURE_COOKIES"):
        assert word in text
    assert len(refused.value.reasons) >= 3
    assert not (tmp_path / "instance").exists() or not any((tmp_path / "instance").iterdir())


def test_production_mode_off_changes_nothing(tmp_path):
    enforce(Config(instance_path=tmp_path / "instance", database_url=""), {"SIGNER_ENV": "development"})


def test_a_clean_production_instance_on_postgresql_starts(tmp_path, monkeypatch, postgres_url):
    env = good_env()
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config = good_config(tmp_path, database_url=postgres_url, signing_workers=0)
    app = create_app(config)  # no refusal: PostgreSQL, secrets from the environment, secure cookies
    assert not any(config.instance_path.glob("*.key"))
    app.extensions["signer"].db.dispose()


def test_signer_serve_exits_with_the_reasons(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ENV_SECRETS.values() and k != "DATABASE_URL"}
    env.update({"SIGNER_ENV": "production", "SIGNER_INSTANCE": str(tmp_path / "instance"),
                "SIGNER_SECURE_COOKIES": "0"})
    done = subprocess.run([sys.executable, "-m", "signer.cli", "serve", "--port", str(free_port())], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "SIGNER_ENV=production" in done.stderr
    for word in ("SQLite", "SIGNER_MASTER_KEY", "SIGNER_SECURE_COOKIES"):
        assert word in done.stderr
