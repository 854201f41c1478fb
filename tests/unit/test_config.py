"""Start-up configuration: safe defaults in development, refusals in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from akrites.config import VARIABLES, ConfigError, Environment, load

STRONG = "k" * 20 + "Zq81-x" * 8


def test_development_generates_and_keeps_a_secret_key(tmp_path: Path) -> None:
    first = load({"AKRITES_DATA_DIR": str(tmp_path)})
    second = load({"AKRITES_DATA_DIR": str(tmp_path)})
    assert first.env is Environment.DEVELOPMENT
    assert len(first.secret_key) >= 50
    assert first.secret_key == second.secret_key
    key_file = tmp_path / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert first.database_url == f"sqlite:///{tmp_path / 'akrites.sqlite3'}"


def test_data_dir_is_created(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    load({"AKRITES_DATA_DIR": str(target)})
    assert target.is_dir()


def test_production_refuses_a_missing_secret(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AKRITES_SECRET_KEY is not set"):
        load(
            {
                "AKRITES_ENV": "production",
                "AKRITES_DATA_DIR": str(tmp_path),
                "AKRITES_ALLOWED_HOSTS": "sirt.example",
            }
        )


@pytest.mark.parametrize("secret", ["short", "django-insecure-" + "x" * 60, "changeme" * 10])
def test_production_refuses_weak_or_default_secrets(tmp_path: Path, secret: str) -> None:
    with pytest.raises(ConfigError, match="too short or a well-known default"):
        load(
            {
                "AKRITES_ENV": "production",
                "AKRITES_DATA_DIR": str(tmp_path),
                "AKRITES_ALLOWED_HOSTS": "sirt.example",
                "AKRITES_SECRET_KEY": secret,
            }
        )


def test_production_requires_allowed_hosts_and_no_debug(tmp_path: Path) -> None:
    base = {
        "AKRITES_ENV": "production",
        "AKRITES_DATA_DIR": str(tmp_path),
        "AKRITES_SECRET_KEY": STRONG,
        "AKRITES_MASTER_KEY": "k" * 43,
    }
    with pytest.raises(ConfigError, match="AKRITES_ALLOWED_HOSTS"):
        load(base)
    with pytest.raises(ConfigError, match="AKRITES_DEBUG"):
        load({**base, "AKRITES_ALLOWED_HOSTS": "a.example", "AKRITES_DEBUG": "true"})
    ok = load({**base, "AKRITES_ALLOWED_HOSTS": "a.example"})
    assert ok.production
    assert ok.secure_cookies
    assert not (tmp_path / "secret_key").exists()


def test_production_requires_a_master_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AKRITES_MASTER_KEY"):
        load(
            {
                "AKRITES_ENV": "production",
                "AKRITES_DATA_DIR": str(tmp_path),
                "AKRITES_SECRET_KEY": STRONG,
                "AKRITES_ALLOWED_HOSTS": "a.example",
            }
        )


def test_bad_values_name_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AKRITES_DEBUG='maybe' is not a boolean"):
        load({"AKRITES_DATA_DIR": str(tmp_path), "AKRITES_DEBUG": "maybe"})
    with pytest.raises(ConfigError, match="AKRITES_SMTP_PORT='x' is not a whole number"):
        load({"AKRITES_DATA_DIR": str(tmp_path), "AKRITES_SMTP_PORT": "x"})
    with pytest.raises(ConfigError, match="AKRITES_ENV='staging' is not known"):
        load({"AKRITES_DATA_DIR": str(tmp_path), "AKRITES_ENV": "staging"})


def test_every_variable_read_is_documented() -> None:
    source = (Path(__file__).parents[2] / "src" / "akrites" / "config.py").read_text()
    import re

    read = set(re.findall(r'"(AKRITES_[A-Z_]+)"', source))
    documented = {v.name for v in VARIABLES}
    assert read == documented


def test_readme_lists_every_variable() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    missing = [v.name for v in VARIABLES if f"`{v.name}`" not in readme]
    assert not missing
