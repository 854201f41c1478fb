"""The ``akrites`` command. Every subcommand acts on the data named by
``AKRITES_DATA_DIR`` / ``AKRITES_DATABASE_URL``, like the running server."""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

Handler = Callable[[argparse.Namespace], int]


def _django(*, migrate: bool = True) -> None:
    """Set Django up; bring the database schema up to date first (a no-op when it is)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "akrites.settings")
    import django

    django.setup()
    if migrate:
        _prepare_database()


def _prepare_database(*, quiet: bool = True) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if quiet else 1)
    call_command("createcachetable", verbosity=0)


# --- serve / worker ----------------------------------------------------------------------

# Listening addresses whose links are best written as "localhost" (compared, never bound).
_LOCAL_OR_ANY = frozenset({"0.0.0.0", "::", "127.0.0.1"})  # noqa: S104


def cmd_serve(args: argparse.Namespace) -> int:
    if not os.environ.get("AKRITES_BASE_URL"):
        # Links in e-mails and published documents point where this server listens, unless
        # the operator says otherwise (behind a proxy: set AKRITES_BASE_URL).
        host = "localhost" if args.host in _LOCAL_OR_ANY else args.host
        os.environ["AKRITES_BASE_URL"] = f"http://{host}:{args.port}"
    _django(migrate=False)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    print(f"data directory: {settings.DATA_DIR}")
    _prepare_database(quiet=False)
    from akrites.publication.signing import current_signing_key

    print(f"advisory signing key: {current_signing_key().fingerprint}")
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.demo:
        if settings.AKRITES.production:
            print(
                "error: --demo is refused in production (AKRITES_ENV=production)", file=sys.stderr
            )
            return 2
        from akrites.demo import seed_demo

        if seed_demo():
            print("demo data seeded")
        _print_demo_logins()
    connections.close_all()  # never share a database connection across forked workers

    worker: subprocess.Popen[bytes] | None = None
    if not args.no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "akrites", "worker"])

    from gunicorn.app.base import BaseApplication

    from akrites.wsgi import application

    def stop_worker(_server: object) -> None:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            worker.wait(timeout=30)

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": f"{args.host}:{args.port}",
                "workers": args.workers,
                "worker_class": "gthread",
                "threads": args.threads,
                "timeout": 60,
                "graceful_timeout": 20,
                "accesslog": "-",
                "errorlog": "-",
                "on_exit": stop_worker,
                "forwarded_allow_ips": "127.0.0.1,::1",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return application

    print(f"Akrites is listening on http://{args.host}:{args.port}/")
    Server().run()
    return 0


def _scheduler(every: float, stop: threading.Event) -> None:
    """Inside the worker: end embargoes on schedule, send reminders and release scheduled
    advisories, every ``every`` seconds. Safe with several workers: each release locks its
    advisory, and one that another worker already released is skipped."""
    from django.db import connections

    from akrites.publication.services import publish_due

    log = logging.getLogger("akrites.scheduler")
    while not stop.wait(every):
        try:
            released = publish_due()
            if released:
                log.info("released %s", ", ".join(released))
        except Exception:  # a bad run must not stop the next one
            log.exception("scheduled run failed; trying again in %s s", every)
        finally:
            connections.close_all()


def cmd_worker(args: argparse.Namespace) -> int:
    _django()
    from django.core.management import call_command

    stop = threading.Event()
    if args.schedule_every > 0:
        threading.Thread(
            target=_scheduler, args=(args.schedule_every, stop), name="scheduler", daemon=True
        ).start()
    options: dict[str, Any] = {"queue_name": "*", "interval": args.interval, "reload": False}
    if args.batch:
        options["batch"] = True
    try:
        call_command("db_worker", **options)
    finally:
        stop.set()
    return 0


def _print_demo_logins() -> None:
    from akrites.demo import DEMO_PASSWORD, demo_logins

    print("\nDemo logins (password for all: " + DEMO_PASSWORD + ")")
    for login in demo_logins():
        extra = ""
        if login.totp_secret:
            extra = (
                f"  [two-factor: TOTP secret {login.totp_secret}; current code: "
                f"akrites user totp --email {login.email}]"
            )
        print(f"  {login.email:<38} {login.organisation:<28} {','.join(login.roles)}{extra}")


def cmd_demo(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings

    if settings.AKRITES.production:
        print("error: demo data is refused in production (AKRITES_ENV=production)", file=sys.stderr)
        return 2
    from akrites.demo import seed_demo

    print("demo data seeded" if seed_demo() else "demo data was already present")
    _print_demo_logins()
    return 0


# --- organisations, users, tokens ------------------------------------------------------------


def cmd_org_create(args: argparse.Namespace) -> int:
    _django()
    from akrites.accounts.services import organisation_create
    from akrites.domain.policy import SYSTEM

    org = organisation_create(actor=SYSTEM, name=args.name, kind=args.kind, website=args.website)
    print(f"created organisation {org.name} ({org.kind}), id {org.pk}")
    return 0


def cmd_org_list(args: argparse.Namespace) -> int:
    _django()
    from akrites.accounts.models import Organisation

    for org in Organisation.objects.all():
        print(f"{org.pk}\t{org.kind}\t{org.name}")
    return 0


def _read_password(args: argparse.Namespace) -> tuple[str, bool]:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return secrets.token_urlsafe(18), True


def cmd_user_create(args: argparse.Namespace) -> int:
    _django()
    from akrites.accounts.selectors import organisation_by_name
    from akrites.accounts.services import user_create
    from akrites.domain.policy import SYSTEM

    org = organisation_by_name(args.org)
    password, generated = _read_password(args)
    user = user_create(
        actor=SYSTEM,
        email=args.email,
        organisation=org,
        roles=args.role,
        password=password,
        display_name=args.name or "",
    )
    print(f"created user {user.email} in {org.name} with roles {', '.join(sorted(args.role))}")
    if generated:
        print(f"initial password (shown once): {password}")
    return 0


def cmd_user_totp(args: argparse.Namespace) -> int:
    _django()
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user__email=args.email.lower(), confirmed=True).first()
    if device is None:
        print(f"error: {args.email} has no confirmed authenticator", file=sys.stderr)
        return 1
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    print(f"{code:0{device.digits}d}")
    return 0


def cmd_user_reset_2fa(args: argparse.Namespace) -> int:
    _django()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    deleted, _ = TOTPDevice.objects.filter(user__email=args.email.lower()).delete()
    print(f"removed {deleted} authenticator(s); {args.email} enrols again at next sign-in")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    _django()
    from akrites.accounts.models import User
    from akrites.accounts.services import token_create
    from akrites.domain.errors import NotFound
    from akrites.domain.policy import SYSTEM

    user = User.objects.filter(email=args.user.strip().lower()).first()
    if user is None:
        raise NotFound(f"no user with the e-mail '{args.user}'")
    created = token_create(
        actor=SYSTEM,
        user=user,
        name=args.name,
        scopes=args.scope or None,
        expires_in_days=args.expires,
    )
    token = created.token
    print(
        f"token {token.pk} for {user.email}: scopes {', '.join(token.scopes)}; "
        f"expires {token.expires_at:%Y-%m-%d}"
    )
    print(created.secret)
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    _django()
    from akrites.accounts.services import token_revoke
    from akrites.domain.policy import SYSTEM

    token = token_revoke(actor=SYSTEM, token_id=args.id)
    print(f"token {token.pk} revoked")
    return 0


# --- audit, checks, docs ---------------------------------------------------------------------


def cmd_audit_verify(args: argparse.Namespace) -> int:
    _django()
    from akrites.audit.selectors import audit_chain_verify

    verdict = audit_chain_verify()
    if verdict.ok:
        print(f"audit chain intact: {verdict.checked} events verified")
        return 0
    print(
        f"AUDIT CHAIN BROKEN at event {verdict.first_bad_seq}: {verdict.problem} "
        f"({verdict.checked} events verified before it)",
        file=sys.stderr,
    )
    return 1


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    _django()
    from django.db import transaction

    from akrites.audit.services import audit_record
    from akrites.cases.keys import keys_rotate
    from akrites.crypto.sealing import master_key
    from akrites.domain.audit import AuditAction
    from akrites.domain.policy import SYSTEM

    result = keys_rotate()
    with transaction.atomic():
        audit_record(
            actor=SYSTEM,
            action=AuditAction.KEYS_ROTATED,
            target_type="master-key",
            target_id=master_key().key_id,
            data={"rewrapped": result.rewrapped, "already_current": result.already_current},
        )
    print(
        f"re-wrapped {result.rewrapped} key(s) with master key {master_key().key_id}; "
        f"{result.already_current} already current; {result.destroyed} destroyed case key(s) "
        "skipped. Former master keys may now be removed from AKRITES_MASTER_KEY_PREVIOUS."
    )
    return 0


def cmd_keys_signing_rotate(args: argparse.Namespace) -> int:
    _django()
    from akrites.publication.signing import public_keys, signing_key_rotate

    key = signing_key_rotate()
    retired = [k.fingerprint for k in public_keys() if k.retired_at is not None]
    print(
        f"new signing key {key.fingerprint} signs every public document from now on; "
        f"{len(retired)} retired key(s) stay published so that earlier signatures verify"
    )
    return 0


def cmd_keys_destroy(args: argparse.Namespace) -> int:
    _django()
    from django.db import transaction

    from akrites.audit.services import audit_record
    from akrites.cases.keys import case_key_destroy
    from akrites.cases.models import Case
    from akrites.domain.audit import AuditAction
    from akrites.domain.errors import NotFound
    from akrites.domain.policy import SYSTEM

    case = Case.objects.filter(number=args.case).first()
    if case is None:
        raise NotFound(f"no case {args.case}")
    if not args.yes:
        print(
            f"this makes every report, message and attachment of {case.number} unreadable "
            "forever; run again with --yes to do it",
            file=sys.stderr,
        )
        return 1
    with transaction.atomic():
        case_key_destroy(case)
        audit_record(
            actor=SYSTEM,
            action=AuditAction.CASE_KEY_DESTROYED,
            target_type="case",
            target_id=case.number,
            data={},
        )
    print(f"the key of {case.number} is destroyed; its sealed content can no longer be read")
    return 0


def cmd_embargo_due(args: argparse.Namespace) -> int:
    _django()
    from akrites.cases.embargo import embargoes_due

    result = embargoes_due()
    print(f"ended on schedule: {len(result.ended)} {' '.join(result.ended)}".rstrip())
    print(f"reminded: {len(result.reminded)} {' '.join(result.reminded)}".rstrip())
    return 0


def cmd_publish_due(args: argparse.Namespace) -> int:
    _django()
    from akrites.publication.services import publish_due

    released = publish_due()
    print(f"released: {len(released)} {' '.join(released)}".rstrip())
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    _django(migrate=False)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    call_command("check", deploy=settings.AKRITES.production, fail_level="ERROR")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    pending = MigrationExecutor(connection).migration_plan(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )
    print(f"database: {connection.vendor}, reachable")
    if pending:
        print(
            f"error: {len(pending)} migration(s) not applied: run 'akrites serve' or "
            "'akrites migrate'",
            file=sys.stderr,
        )
        return 1
    print("migrations: all applied")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _django(migrate=False)
    _prepare_database(quiet=False)
    return 0


def cmd_docs(args: argparse.Namespace) -> int:
    from akrites.config import render_markdown_table
    from akrites.domain import embargo, embargo_docs, lifecycle, permissions, tlp

    out = Path(args.out)
    generated = {
        out / "permissions.md": permissions.render_markdown(),
        out / "lifecycle.md": lifecycle.render_markdown(),
        out / "embargo.md": embargo_docs.render_markdown(embargo.DEFAULT_POLICY),
        out / "tlp.md": tlp.render_markdown(),
    }
    from akrites.domain.intake.schema import report_schema

    generated[out / "report-1.0.schema.json"] = (
        json.dumps(report_schema(), indent=2, ensure_ascii=False) + "\n"
    )
    readme = Path(args.readme)
    if readme.exists():
        generated[readme] = _with_config_table(
            readme.read_text(encoding="utf-8"), render_markdown_table()
        )
    stale = []
    for target, text in generated.items():
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current == text:
            continue
        if args.check:
            stale.append(str(target))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target}")
    if stale:
        print(f"out of date: {', '.join(stale)}: run 'akrites docs'", file=sys.stderr)
        return 1
    print("generated docs are up to date" if args.check else "docs written")
    return 0


def _with_config_table(text: str, table: str) -> str:
    start, end = "<!-- config:start (generated by `akrites docs`) -->", "<!-- config:end -->"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}\n{table}\n{end}{tail}" if rest else text


def cmd_submit(args: argparse.Namespace) -> int:
    from akrites.submit import submit_main

    return submit_main(args.rest)


def cmd_dedup(args: argparse.Namespace) -> int:
    from akrites.dedup_cli import cluster_main

    return cluster_main(args.rest)


# --- parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:  # noqa: PLR0915  (every command, in one place)
    parser = argparse.ArgumentParser(
        prog="akrites",
        description="Akrites: a shared, confidential SIRT for critical open-source software.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, handler: Handler, help_text: str, parent: Any = sub
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=handler)
        return p

    p = add("serve", cmd_serve, "Migrate, then run the web service (gunicorn) and a worker.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.add_argument("--demo", action="store_true", help="seed demo data once and print logins")
    p.add_argument("--workers", type=int, default=2, help="web processes (default 2)")
    p.add_argument("--threads", type=int, default=4, help="threads per web process (default 4)")
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start a background worker (run 'akrites worker' separately)",
    )

    p = add("worker", cmd_worker, "Run background jobs until stopped.")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between polls when idle")
    p.add_argument("--batch", action="store_true", help="run what is queued, then exit")
    p.add_argument(
        "--schedule-every",
        type=float,
        default=60.0,
        help="seconds between scheduled runs (embargo ends, reminders, advisory releases); "
        "0 turns the scheduler off",
    )

    add("demo", cmd_demo, "Seed demo organisations, users and components; print the logins.")
    add("migrate", cmd_migrate, "Apply database migrations.")

    org = add("org", lambda a: 2, "Manage organisations.")
    org_sub = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    p = add("create", cmd_org_create, "Create an organisation.", org_sub)
    p.add_argument("name", help="organisation name")
    p.add_argument(
        "--kind",
        required=True,
        help="sirt, finder, maintainer, vendor, distributor, operator or government",
    )
    p.add_argument("--website", default="", help="website URL")
    add("list", cmd_org_list, "List organisations.", org_sub)

    user = add("user", lambda a: 2, "Manage users.")
    user_sub = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    p = add("create", cmd_user_create, "Create a user in an organisation.", user_sub)
    p.add_argument("--email", required=True)
    p.add_argument("--org", required=True, help="organisation name")
    p.add_argument(
        "--role",
        action="append",
        required=True,
        help="role (repeat for several): admin, coordinator, analyst, reporter, "
        "maintainer, vendor, operator, observer",
    )
    p.add_argument("--name", help="display name")
    p.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (default: generate and print one)",
    )
    p = add(
        "totp",
        cmd_user_totp,
        "Print a user's current two-factor code (operator recovery, demo accounts).",
        user_sub,
    )
    p.add_argument("--email", required=True)
    p = add("reset-2fa", cmd_user_reset_2fa, "Remove a user's authenticators.", user_sub)
    p.add_argument("--email", required=True)

    token = add("token", lambda a: 2, "Manage API tokens.")
    token_sub = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    p = add(
        "create",
        cmd_token_create,
        "Create an API token; prints the secret as the last line.",
        token_sub,
    )
    p.add_argument("--user", required=True, help="e-mail of the user the token acts as")
    p.add_argument(
        "--scope",
        action="append",
        help="permission to grant (repeat); default: the user's read permissions",
    )
    p.add_argument("--expires", type=int, default=None, help="lifetime in days (default 90)")
    p.add_argument("--name", default="command line", help="what the token is for")
    p = add("revoke", cmd_token_revoke, "Revoke an API token.", token_sub)
    p.add_argument("--id", type=int, required=True)

    audit = add("audit", lambda a: 2, "Audit log tools.")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    add(
        "verify",
        cmd_audit_verify,
        "Recompute the hash chain; exit 1 if any event was edited or deleted.",
        audit_sub,
    )

    keys = add("keys", lambda a: 2, "Encryption keys.")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    add(
        "rotate",
        cmd_keys_rotate,
        "Re-wrap every case key with the current master key "
        "(set AKRITES_MASTER_KEY to the new key and AKRITES_MASTER_KEY_PREVIOUS to the old).",
        keys_sub,
    )
    add(
        "signing-rotate",
        cmd_keys_signing_rotate,
        "Create a new OpenPGP key for signing public documents; the old one is retired "
        "but stays published (CSAF provider metadata) so that its signatures still verify.",
        keys_sub,
    )
    p = add(
        "destroy",
        cmd_keys_destroy,
        "Destroy one case's key: its content becomes unreadable for good.",
        keys_sub,
    )
    p.add_argument("--case", required=True, help="case number, e.g. AK-2026-0042")
    p.add_argument("--yes", action="store_true", help="confirm")

    add(
        "embargo-due",
        cmd_embargo_due,
        "End embargoes whose date has come and send due "
        "reminders (run every few minutes from cron or a systemd timer).",
    )
    add(
        "publish-due",
        cmd_publish_due,
        "End embargoes that are due, then release every scheduled advisory whose time has "
        "come (the worker does this every minute; run it from cron without a worker).",
    )
    add("check", cmd_check, "Check configuration, database and migrations.")
    p = add(
        "docs",
        cmd_docs,
        "Regenerate the generated docs (permissions, lifecycle, embargo, "
        "TLP, report schema, README configuration table) from the code.",
    )
    p.add_argument("--out", default="docs", help="folder (default docs)")
    p.add_argument(
        "--readme",
        default="README.md",
        help="README whose configuration table is regenerated (default README.md)",
    )
    p.add_argument("--check", action="store_true", help="fail if the file is out of date")

    submit = add("submit", cmd_submit, "Submit report files to a server through its API.")
    submit.add_argument(
        "rest",
        nargs=argparse.REMAINDER,
        help="'FILE --server URL --token TOKEN'; see 'akrites submit -h'",
    )

    dedup = add("dedup", cmd_dedup, "Run the deduplication engine alone (no server).")
    dedup.add_argument(
        "rest",
        nargs=argparse.REMAINDER,
        help="'cluster INPUT.jsonl [-o OUTPUT.jsonl]'; see 'akrites dedup cluster -h'",
    )

    from akrites.publication.export_cli import add_parser as add_export_parser

    add_export_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    # These two are clients with their own argument parsers (and --help).
    if words[:1] == ["submit"]:
        from akrites.submit import submit_main

        return submit_main(words[1:])
    if words[:1] == ["dedup"]:
        from akrites.dedup_cli import cluster_main

        return cluster_main(words[1:])
    parser = build_parser()
    args = parser.parse_args(words)
    from akrites.config import ConfigError

    try:
        from akrites.domain.errors import AkritesError

        try:
            return int(args.handler(args))
        except AkritesError as exc:
            where = f"{exc.field}: " if exc.field else ""
            print(f"error: {where}{exc.message}", file=sys.stderr)
            return 2
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
