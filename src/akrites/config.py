"""One typed settings object, read from ``AKRITES_*`` environment variables.

Django's settings module reads this object; nothing else reads the environment.
``VARIABLES`` documents every variable and feeds the README's configuration table.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import platformdirs


class ConfigError(RuntimeError):
    """Start-up configuration is wrong; the message says what to set."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    default: str
    meaning: str


VARIABLES: tuple[Variable, ...] = (
    Variable(
        "AKRITES_ENV",
        "development",
        "`development` or `production`. Production refuses "
        "to start with a missing or weak secret key, or without `AKRITES_ALLOWED_HOSTS`.",
    ),
    Variable(
        "AKRITES_DATA_DIR",
        "per-user data folder (e.g. `~/.local/share/akrites`)",
        "Where the SQLite database, generated keys, collected static files and "
        "development mail live. Created on first use (mode 0700).",
    ),
    Variable(
        "AKRITES_DATABASE_URL",
        "`sqlite:///<data dir>/akrites.sqlite3`",
        "Database URL, e.g. `postgres://user:pass@host:5432/akrites`.",
    ),
    Variable(
        "AKRITES_SECRET_KEY",
        "generated into `<data dir>/secret_key` in development",
        "Django secret key (sessions, CSRF, password reset). Required in production, "
        "at least 50 characters.",
    ),
    Variable(
        "AKRITES_MASTER_KEY",
        "(unset: `<data dir>/master.key`, generated in development)",
        "Master key (32 bytes, base64url) that wraps every case's data key. Required in "
        "production (or `AKRITES_MASTER_KEY_FILE`). Losing it loses all sealed data.",
    ),
    Variable(
        "AKRITES_MASTER_KEY_PREVIOUS",
        "(empty)",
        "Former master keys, comma-separated, still accepted for unwrapping until "
        "`akrites keys rotate` has re-wrapped every key with the current one.",
    ),
    Variable(
        "AKRITES_MASTER_KEY_FILE",
        "`<data dir>/master.key`",
        "File holding the master key, if not given in `AKRITES_MASTER_KEY`.",
    ),
    Variable(
        "AKRITES_INTAKE_PER_MINUTE",
        "`600`",
        "Reports one organisation may submit per minute (HTTP 429 beyond).",
    ),
    Variable(
        "AKRITES_INTAKE_PER_DAY", "`50000`", "Reports one organisation may submit per UTC day."
    ),
    Variable(
        "AKRITES_MAX_REQUEST_BYTES",
        "`33554432` (32 MiB)",
        "Largest request body accepted (bulk submissions, attachments).",
    ),
    Variable("AKRITES_ATTACHMENT_MAX_BYTES", "`10485760` (10 MiB)", "Largest single attachment."),
    Variable(
        "AKRITES_ALLOWED_HOSTS",
        "`localhost,127.0.0.1,[::1]`",
        "Comma-separated host names the service answers to. Required in production.",
    ),
    Variable(
        "AKRITES_BASE_URL",
        "`http://localhost:<port>` under `akrites serve`, else `http://localhost:8000`",
        "Public URL of the service, used in links sent by e-mail and in published "
        "advisories, feeds and the CSAF provider metadata.",
    ),
    Variable("AKRITES_DEBUG", "`false`", "Django debug pages. Never in production."),
    Variable(
        "AKRITES_SECURE_COOKIES",
        "`true` in production, else `false`",
        "Send session and CSRF cookies over HTTPS only; enables HSTS.",
    ),
    Variable(
        "AKRITES_BEHIND_TLS_PROXY",
        "`false`",
        "Trust `X-Forwarded-Proto: https` from a TLS-terminating reverse proxy.",
    ),
    Variable(
        "AKRITES_SMTP_HOST",
        "(unset: mail is written to `<data dir>/mail`)",
        "SMTP server for notifications.",
    ),
    Variable("AKRITES_SMTP_PORT", "`587`", "SMTP port."),
    Variable("AKRITES_SMTP_USER", "(empty)", "SMTP user name."),
    Variable("AKRITES_SMTP_PASSWORD", "(empty)", "SMTP password."),
    Variable("AKRITES_SMTP_STARTTLS", "`true`", "Use STARTTLS with the SMTP server."),
    Variable("AKRITES_EMAIL_FROM", "`akrites@localhost`", "Sender address of notifications."),
    Variable(
        "AKRITES_LOGIN_FAILURE_LIMIT",
        "`5`",
        "Failed sign-ins (per account and address) before sign-in is locked.",
    ),
    Variable("AKRITES_LOGIN_COOLOFF_MINUTES", "`15`", "How long such a lock lasts."),
    Variable("AKRITES_TOKEN_DEFAULT_DAYS", "`90`", "Lifetime of a new API token if none is given."),
    Variable("AKRITES_TOKEN_MAX_DAYS", "`365`", "Longest lifetime an API token may have."),
    Variable("AKRITES_LOG_LEVEL", "`INFO`", "Log level of the service and the worker."),
    Variable(
        "AKRITES_PUBLISHER_NAME",
        "Akrites",
        "The publisher named in advisories (CSAF publisher, CVE provider short name).",
    ),
    Variable(
        "AKRITES_CVE_ORG_ID",
        "(none)",
        "The CNA organisation UUID of the CVE Program assigned to this instance; without "
        "it, CVE JSON 5 records are not written.",
    ),
)

_MIN_SECRET_LENGTH = 50
_INSECURE_MARKERS = ("django-insecure", "changeme", "change-me", "secret", "default")


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use true or false")


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


@dataclass(frozen=True, slots=True)
class Settings:
    env: Environment
    data_dir: Path
    database_url: str
    secret_key: str
    allowed_hosts: tuple[str, ...]
    base_url: str
    debug: bool
    secure_cookies: bool
    behind_tls_proxy: bool
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    email_from: str
    login_failure_limit: int
    login_cooloff_minutes: int
    token_default_days: int
    token_max_days: int
    log_level: str
    master_key: str
    master_key_previous: tuple[str, ...]
    master_key_file: Path
    intake_per_minute: int
    intake_per_day: int
    max_request_bytes: int
    attachment_max_bytes: int
    publisher_name: str = "Akrites"
    cve_org_id: str = ""

    @property
    def production(self) -> bool:
        return self.env is Environment.PRODUCTION


def _secret_key(env: Mapping[str, str], data_dir: Path, production: bool) -> str:
    given = env.get("AKRITES_SECRET_KEY", "")
    if production:
        if not given:
            raise ConfigError(
                "AKRITES_SECRET_KEY is not set. In production set it to a random value of at "
                'least 50 characters, e.g. the output of: python -c "import secrets; '
                'print(secrets.token_urlsafe(64))"'
            )
        if len(given) < _MIN_SECRET_LENGTH or any(m in given.lower() for m in _INSECURE_MARKERS):
            raise ConfigError(
                "AKRITES_SECRET_KEY is too short or a well-known default: use a random value "
                "of at least 50 characters"
            )
        return given
    if given:
        return given
    key_file = data_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(64)
    # O_EXCL: two processes starting together must not write two different keys.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key


def load(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    raw_env = env.get("AKRITES_ENV", "development").strip().lower()
    try:
        environment = Environment(raw_env)
    except ValueError:
        raise ConfigError(
            f"AKRITES_ENV={raw_env!r} is not known: use development or production"
        ) from None
    production = environment is Environment.PRODUCTION

    data_dir = Path(env.get("AKRITES_DATA_DIR") or platformdirs.user_data_dir("akrites"))
    data_dir = data_dir.expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)

    hosts_raw = env.get("AKRITES_ALLOWED_HOSTS", "")
    if production and not hosts_raw:
        raise ConfigError("AKRITES_ALLOWED_HOSTS is not set: list the host names of the service")
    hosts = tuple(
        h.strip() for h in (hosts_raw or "localhost,127.0.0.1,[::1]").split(",") if h.strip()
    )

    debug = _flag(env, "AKRITES_DEBUG", default=False)
    if production and debug:
        raise ConfigError("AKRITES_DEBUG must be off in production")

    token_default = _int(env, "AKRITES_TOKEN_DEFAULT_DAYS", 90, minimum=1)
    token_max = _int(env, "AKRITES_TOKEN_MAX_DAYS", 365, minimum=1)
    if token_default > token_max:
        raise ConfigError("AKRITES_TOKEN_DEFAULT_DAYS cannot exceed AKRITES_TOKEN_MAX_DAYS")

    secret_key = _secret_key(env, data_dir, production)
    master_key = env.get("AKRITES_MASTER_KEY", "")
    key_file_raw = env.get("AKRITES_MASTER_KEY_FILE", "")
    master_key_file = Path(key_file_raw) if key_file_raw else data_dir / "master.key"
    if production and not master_key and not key_file_raw:
        raise ConfigError(
            "AKRITES_MASTER_KEY (or AKRITES_MASTER_KEY_FILE) is not set: in production the key "
            "that protects confidential data must be provided, e.g. the output of: python -c "
            '"import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())"'
        )

    return Settings(
        env=environment,
        data_dir=data_dir,
        database_url=env.get("AKRITES_DATABASE_URL") or f"sqlite:///{data_dir / 'akrites.sqlite3'}",
        secret_key=secret_key,
        allowed_hosts=hosts,
        base_url=env.get("AKRITES_BASE_URL", "http://localhost:8000").rstrip("/"),
        debug=debug,
        secure_cookies=_flag(env, "AKRITES_SECURE_COOKIES", default=production),
        behind_tls_proxy=_flag(env, "AKRITES_BEHIND_TLS_PROXY", default=False),
        smtp_host=env.get("AKRITES_SMTP_HOST", ""),
        smtp_port=_int(env, "AKRITES_SMTP_PORT", 587, minimum=1),
        smtp_user=env.get("AKRITES_SMTP_USER", ""),
        smtp_password=env.get("AKRITES_SMTP_PASSWORD", ""),
        smtp_starttls=_flag(env, "AKRITES_SMTP_STARTTLS", default=True),
        email_from=env.get("AKRITES_EMAIL_FROM", "akrites@localhost"),
        login_failure_limit=_int(env, "AKRITES_LOGIN_FAILURE_LIMIT", 5, minimum=1),
        login_cooloff_minutes=_int(env, "AKRITES_LOGIN_COOLOFF_MINUTES", 15, minimum=1),
        token_default_days=token_default,
        token_max_days=token_max,
        log_level=env.get("AKRITES_LOG_LEVEL", "INFO").upper(),
        master_key=master_key,
        master_key_previous=tuple(
            k.strip() for k in env.get("AKRITES_MASTER_KEY_PREVIOUS", "").split(",") if k.strip()
        ),
        master_key_file=master_key_file,
        intake_per_minute=_int(env, "AKRITES_INTAKE_PER_MINUTE", 600, minimum=1),
        intake_per_day=_int(env, "AKRITES_INTAKE_PER_DAY", 50000, minimum=1),
        max_request_bytes=_int(env, "AKRITES_MAX_REQUEST_BYTES", 32 * 1024 * 1024, minimum=1024),
        attachment_max_bytes=_int(
            env, "AKRITES_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024
        ),
        publisher_name=env.get("AKRITES_PUBLISHER_NAME", "Akrites").strip() or "Akrites",
        cve_org_id=env.get("AKRITES_CVE_ORG_ID", "").strip(),
    )


def render_markdown_table() -> str:
    """The README's configuration table (kept current by ``akrites docs``)."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{v.name}` | {v.default} | {v.meaning} |" for v in VARIABLES]
    return "\n".join(rows)
