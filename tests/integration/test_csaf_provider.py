"""The CSAF 2.0 provider: provider metadata (checked against the official schema), the
TLP:WHITE folder, its ROLIE feed, index.txt and changes.csv, signatures that GnuPG verifies,
signing-key rotation, security.txt, and the release moment: before it, nothing public reveals a
scheduled advisory; after it, everything shows it."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client

from akrites.accounts.models import User
from akrites.audit.models import AuditEvent
from akrites.domain.formats.csaf_writer import csaf_file_name
from akrites.domain.formats.schemas import SchemaName, schema_errors
from akrites.intake.engine import reset_engine
from akrites.publication import services
from akrites.publication.models import PublishedDocument, SigningKey
from akrites.publication.signing import current_signing_key, signing_key_rotate
from tests.publication_helpers import Flow, approved, published, ready_case

pytestmark = pytest.mark.django_db

BASE = settings.AKRITES.base_url.rstrip("/")
PROVIDER = "/.well-known/csaf/provider-metadata.json"
WHITE = "/.well-known/csaf/white/"
ROLIE = f"{WHITE}csaf-feed-tlp-white.json"
GPG = shutil.which("gpg")
_CSRF = re.compile(r'"X-CSRFToken": "[^"]+"')


@pytest.fixture(autouse=True)
def _fresh_engine() -> None:
    reset_engine()  # the dedup engine must not remember reports of rolled-back tests


def case_for(name: str, **kwargs: Any) -> Flow:
    """A ready case about ``name``, worded to be its own case, under the one SIRT."""
    kwargs.setdefault("coordinator", User.objects.filter(organisation__kind="sirt").first())
    if name != "quetzal":
        kwargs.setdefault("title", f"Out-of-bounds write in the {name} parser")
        kwargs.setdefault(
            "description",
            f"The {name} parser computes an index from untrusted header bytes of {name} "
            f"archives and writes past its table; {name} users processing uploads are exposed.",
        )
        kwargs["name"] = name
    return ready_case(**kwargs)


def scheduled(flow: Flow) -> Flow:
    approved(flow)
    services.advisory_step(actor=flow.coord, advisory=flow.advisory, step="schedule")
    flow.advisory.refresh_from_db()
    return flow


def local(url: str) -> str:
    assert url.startswith(BASE), url
    return url.removeprefix(BASE)


def get_json(client: Client, path: str) -> Any:
    response = client.get(path)
    assert response.status_code == 200, path
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def csaf_doc(flow: Flow) -> PublishedDocument:
    return PublishedDocument.objects.get(advisory=flow.advisory, kind="csaf", current=True)


# --- provider metadata and the folder -------------------------------------------------------


def test_provider_metadata_is_valid_and_names_feed_keys_and_publisher() -> None:
    current_signing_key()  # made by `akrites serve` at start
    client = Client()
    empty = get_json(client, PROVIDER)
    assert schema_errors(SchemaName.CSAF_PROVIDER, empty) == []
    flow = published(case_for("quetzal"))
    metadata = get_json(client, PROVIDER)
    assert schema_errors(SchemaName.CSAF_PROVIDER, metadata) == []
    assert metadata["canonical_url"] == f"{BASE}{PROVIDER}"
    assert metadata["role"] == "csaf_trusted_provider"
    assert metadata["metadata_version"] == "2.0"
    assert metadata["list_on_CSAF_aggregators"] is False
    assert metadata["publisher"] == {
        "category": "coordinator",
        "name": settings.AKRITES.publisher_name,
        "namespace": BASE,
    }
    csaf = json.loads(csaf_doc(flow).content)
    assert csaf["document"]["publisher"] == metadata["publisher"]  # one publisher everywhere
    (feed,) = metadata["distributions"][0]["rolie"]["feeds"]
    assert feed["tlp_label"] == "WHITE"
    assert local(feed["url"]) == ROLIE
    assert metadata["last_updated"] == csaf["document"]["tracking"]["current_release_date"]
    (key,) = metadata["public_openpgp_keys"]
    fingerprint = current_signing_key().fingerprint
    assert key == {
        "fingerprint": fingerprint,
        "url": f"{BASE}/.well-known/csaf/openpgp/{fingerprint}.asc",
    }
    served = client.get(local(key["url"]))
    assert served.status_code == 200
    assert served["Content-Type"] == "application/pgp-keys"
    assert served["Access-Control-Allow-Origin"] == "*"
    assert served.content.decode().startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----\nComment:")
    assert client.get("/.well-known/csaf/openpgp/0123456789ABCDEF.asc").status_code == 404


def test_documents_sit_in_year_folders_listed_by_index_changes_and_rolie() -> None:
    first = published(case_for("quetzal", embargo_days=10))
    second = published(case_for("axolotl", embargo_days=20))
    client = Client()
    docs = [csaf_doc(first), csaf_doc(second)]
    for flow, doc in zip((first, second), docs, strict=True):
        year = flow.advisory.published_at.year
        assert doc.path == f"{WHITE}{year}/{csaf_file_name(flow.advisory.identifier)}"
        response = client.get(doc.path)
        assert response.status_code == 200
        assert response.content.decode() == doc.content
        assert client.get(f"{doc.path}.sha512").content.decode() == (
            f"{hashlib.sha512(response.content).hexdigest()}  {doc.path.rsplit('/', 1)[1]}\n"
        )
    relative = [d.path.removeprefix(WHITE) for d in docs]

    index = client.get(f"{WHITE}index.txt")
    assert index["Content-Type"] == "text/plain; charset=utf-8"
    assert index.content.decode() == "".join(f"{p}\n" for p in sorted(relative))

    changes = client.get(f"{WHITE}changes.csv")
    assert changes["Content-Type"] == "text/csv; charset=utf-8"
    text = changes.content.decode()
    assert text.startswith(f'"{relative[1]}",')  # the latest change first, quoted (CSAF 2.0)
    rows = list(csv.reader(io.StringIO(text)))
    dates = [json.loads(d.content)["document"]["tracking"]["current_release_date"] for d in docs]
    assert rows == [[relative[1], dates[1]], [relative[0], dates[0]]]

    feed = get_json(client, ROLIE)["feed"]
    assert local(feed["link"][0]["href"]) == ROLIE
    assert feed["link"][0]["rel"] == "self"
    assert {"scheme": "urn:ietf:params:rolie:category:information-type", "term": "csaf"} in feed[
        "category"
    ]
    assert feed["updated"] == dates[1]
    assert [e["id"] for e in feed["entry"]] == [
        second.advisory.identifier,
        first.advisory.identifier,
    ]
    entry = feed["entry"][0]
    links = {(link["rel"], local(link["href"])) for link in entry["link"]}
    assert links == {
        ("self", docs[1].path),
        ("hash", f"{docs[1].path}.sha256"),
        ("hash", f"{docs[1].path}.sha512"),
        ("signature", f"{docs[1].path}.asc"),
    }
    assert local(entry["content"]["src"]) == docs[1].path
    assert entry["content"]["type"] == "application/json"
    assert entry["format"] == {
        "schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
        "version": "2.0",
    }
    for field in ("title", "published", "updated", "summary"):
        assert entry[field], field
    for path in (linked for _, linked in links):
        assert client.get(path).status_code == 200, path


def test_security_txt_points_at_the_provider_metadata() -> None:
    client = Client()
    for path in ("/.well-known/security.txt", "/security.txt"):
        response = client.get(path)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        fields = dict(
            line.split(": ", 1)
            for line in response.content.decode().splitlines()
            if line and not line.startswith("#")
        )
        assert fields["CSAF"] == f"{BASE}{PROVIDER}"
        assert fields["Contact"].startswith(BASE)
        expires = datetime.fromisoformat(fields["Expires"])
        assert datetime.now(UTC) < expires < datetime.now(UTC) + timedelta(days=365)


# --- signatures -----------------------------------------------------------------------------


def gpg(home: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    assert GPG is not None
    return subprocess.run(
        [GPG, "--homedir", str(home), "--batch", "--no-tty", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def gnupg(tmp_path: Path) -> Any:
    if GPG is None:
        pytest.skip("GnuPG (gpg) is not installed")
    home = tmp_path / "gnupg"
    home.mkdir(mode=0o700)
    yield home
    subprocess.run(
        [str(Path(GPG).with_name("gpgconf")), "--homedir", str(home), "--kill", "all"],
        capture_output=True,
        check=False,
    )


def import_served_keys(client: Client, home: Path, tmp: Path) -> None:
    for key in get_json(client, PROVIDER)["public_openpgp_keys"]:
        file = tmp / f"{key['fingerprint']}.asc"
        file.write_bytes(client.get(local(key["url"])).content)
        imported = gpg(home, "--import", file)
        assert imported.returncode == 0, imported.stderr


def verify(client: Client, home: Path, tmp: Path, path: str, content: bytes | None = None) -> str:
    data = content if content is not None else client.get(path).content
    signature = client.get(f"{path}.asc").content if content is None else None
    doc = tmp / "doc.json"
    doc.write_bytes(data)
    asc = tmp / "doc.json.asc"
    if signature is not None:
        asc.write_bytes(signature)
    checked = gpg(home, "--verify", asc, doc)
    assert checked.returncode == 0, checked.stderr
    assert "Good signature" in checked.stderr
    return checked.stderr


def spaceless(text: str) -> str:
    return text.replace(" ", "")


def test_gnupg_verifies_a_csaf_document_with_the_published_key(gnupg: Path, tmp_path: Path) -> None:
    flow = published(case_for("quetzal"))
    client = Client()
    path = csaf_doc(flow).path
    import_served_keys(client, gnupg, tmp_path)
    verify(client, gnupg, tmp_path, path)
    sha512 = client.get(f"{path}.sha512").content.decode().split()[0]
    assert sha512 == hashlib.sha512(client.get(path).content).hexdigest()
    tampered = client.get(path).content.replace(b"Quetzal", b"Quokka")
    (tmp_path / "doc.json").write_bytes(tampered)
    refused = gpg(gnupg, "--verify", tmp_path / "doc.json.asc", tmp_path / "doc.json")
    assert refused.returncode != 0
    assert "BAD signature" in refused.stderr


def test_a_rotated_key_signs_from_then_on_and_old_signatures_still_verify(
    gnupg: Path, tmp_path: Path
) -> None:
    flow = published(case_for("quetzal"))
    client = Client()
    old_key = current_signing_key()
    path = csaf_doc(flow).path
    old_content, old_signature = client.get(path).content, client.get(f"{path}.asc").content
    new_key = signing_key_rotate()
    assert new_key.fingerprint != old_key.fingerprint
    old_key.refresh_from_db()
    assert old_key.retired_at is not None
    event = AuditEvent.objects.filter(action="keys.signing_rotated").get()
    assert (event.target_type, event.target_id) == ("signing-key", new_key.fingerprint)
    assert event.data == {"retired": [old_key.fingerprint]}

    services.advisory_step(
        actor=flow.coord,
        advisory=flow.advisory,
        step="revise",
        reason="more detail",
        now=flow.advisory.published_at + timedelta(days=1),
    )
    assert csaf_doc(flow).signing_key == new_key.fingerprint
    metadata = get_json(client, PROVIDER)
    assert schema_errors(SchemaName.CSAF_PROVIDER, metadata) == []
    assert [k["fingerprint"] for k in metadata["public_openpgp_keys"]] == [
        new_key.fingerprint,
        old_key.fingerprint,
    ]
    old_armour = client.get(f"/.well-known/csaf/openpgp/{old_key.fingerprint}.asc")
    assert "Comment: retired " in old_armour.content.decode()
    import_served_keys(client, gnupg, tmp_path)
    assert new_key.fingerprint in spaceless(verify(client, gnupg, tmp_path, path))  # revision
    (tmp_path / "doc.json.asc").write_bytes(old_signature)
    assert old_key.fingerprint in spaceless(verify(client, gnupg, tmp_path, path, old_content))
    transparency = client.get("/transparency/").content.decode()
    assert old_key.fingerprint in transparency
    assert "— (current)" in transparency


def test_the_signing_rotate_command_rotates_and_audits(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "AKRITES_DATA_DIR": str(tmp_path / "data"),
        "AKRITES_DATABASE_URL": "",
        "AKRITES_LOG_LEVEL": "WARNING",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "akrites", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
            check=False,
        )

    first, second = run("keys", "signing-rotate"), run("keys", "signing-rotate")
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    fingerprints = [
        re.search(r"new signing key ([0-9A-F]{40,})", r.stdout) for r in (first, second)
    ]
    assert all(fingerprints), (first.stdout, second.stdout)
    assert "1 retired key(s)" in second.stdout
    assert run("audit", "verify").returncode == 0
    with sqlite3.connect(tmp_path / "data" / "akrites.sqlite3") as db:
        keys = db.execute(
            "select fingerprint, retired_at is not null from publication_signingkey"
        ).fetchall()
        events = db.execute(
            "select target_id from audit_auditevent where action = 'keys.signing_rotated' "
            "order by seq"
        ).fetchall()
    new = [m.group(1) for m in fingerprints if m]
    assert sorted(keys) == sorted([(new[0], 1), (new[1], 0)])
    assert [e[0] for e in events] == new


# --- the release moment ---------------------------------------------------------------------


def public_urls(*flows: Flow, future: tuple[str, int] | None = None) -> list[str]:
    """Every public route, with the document paths of ``flows`` and, for ``future``
    (advisory id, release year), the paths its documents will have."""
    urls = [
        "/advisories/",
        "/advisories/?ecosystem=PyPI",
        "/advisories/?package=axolotl",
        "/advisories/?page=2",
        "/advisories/feed.atom",
        "/transparency/",
        PROVIDER,
        ROLIE,
        f"{WHITE}index.txt",
        f"{WHITE}changes.csv",
        "/.well-known/security.txt",
        *(f"/.well-known/csaf/openpgp/{k.fingerprint}.asc" for k in SigningKey.objects.all()),
    ]
    ids = [f.advisory.identifier for f in flows]
    csaf = [csaf_doc(f).path for f in flows]
    if future is not None:
        ids.append(future[0])
        csaf.append(f"{WHITE}{future[1]}/{csaf_file_name(future[0])}")
    for identifier in ids:
        urls.append(f"/advisories/{identifier}/")
        for name in ("osv.json", "csaf-vex.json", "openvex.json", "cyclonedx.json"):
            urls += [f"/advisories/{identifier}/{name}{s}" for s in ("", ".sha256", ".asc")]
    for path in csaf:
        urls += [path, f"{path}.sha256", f"{path}.sha512", f"{path}.asc"]
    return urls


def snapshot(urls: list[str]) -> dict[str, tuple[int, str, str, tuple[tuple[str, str], ...]]]:
    """What an anonymous visitor gets from each URL: status, type, body, headers (the
    per-request CSRF token of HTML pages left out)."""
    seen = {}
    for url in urls:
        response = Client().get(url)
        headers = tuple(
            sorted((k, v) for k, v in response.headers.items() if k != "Content-Length")
        )
        body = _CSRF.sub("", response.content.decode())
        seen[url] = (response.status_code, response.headers.get("Content-Type", ""), body, headers)
    return seen


def test_before_the_release_moment_nothing_reveals_it() -> None:
    current_signing_key()  # the instance's key exists from set-up on
    shown = published(case_for("quetzal", embargo_days=10))

    # The same world with a scheduled advisory (not yet due), then rolled back without it.
    with transaction.atomic():
        waiting = scheduled(case_for("axolotl", embargo_days=30))
        identifier, release_at = waiting.advisory.identifier, waiting.advisory.release_at
        assert release_at is not None
        urls = public_urls(shown, future=(identifier, release_at.year))
        with_it = snapshot(urls)
        transaction.set_rollback(True)
    reset_engine()
    without_it = snapshot(urls)
    for url in urls:
        assert with_it[url] == without_it[url], url
    assert with_it[f"/advisories/{identifier}/"][0] == 404

    # For real now: scheduled, a minute before the release, then at the release time.
    waiting = scheduled(case_for("axolotl", embargo_days=30))
    assert waiting.advisory.identifier == identifier  # numbers were rolled back too
    release_at = waiting.advisory.release_at  # a little later than the rolled-back one's
    assert release_at is not None
    services.publish_due(now=release_at - timedelta(minutes=1))
    assert snapshot(urls) == without_it
    assert services.publish_due(now=release_at) == [identifier]
    after = snapshot(urls)
    changed = {url for url in urls if after[url] != without_it[url]}
    future = {url for url in urls if identifier in url or csaf_file_name(identifier) in url}
    for url in future:
        assert after[url][0] == 200, url
    listings = {
        "/advisories/",
        "/advisories/?ecosystem=PyPI",
        "/advisories/?package=axolotl",
        "/advisories/feed.atom",
        ROLIE,
        f"{WHITE}index.txt",
        f"{WHITE}changes.csv",
    }
    for url in listings:
        assert identifier in after[url][2] or csaf_file_name(identifier) in after[url][2], url
    assert "<div><dt>Advisories published</dt><dd>2</dd></div>" in after["/transparency/"][2]
    released = json.loads(after[f"{WHITE}{release_at.year}/{csaf_file_name(identifier)}"][2])
    metadata = json.loads(after[PROVIDER][2])
    assert metadata["last_updated"] == released["document"]["tracking"]["current_release_date"]
    assert changed >= future | listings | {"/transparency/", PROVIDER}
