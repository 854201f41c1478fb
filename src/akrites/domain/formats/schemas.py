"""The official JSON Schemas of the formats Akrites publishes, loaded from the package.

Every schema is a verbatim copy in ``akrites/schemas`` (see its NOTICE.md for source, commit and
licence); nothing is fetched over the network. Schemas that ``$ref`` others by URL (CSAF 2.0 ->
the FIRST CVSS schemas, CycloneDX -> SPDX and JSF) get a ``referencing`` registry holding the
local copies under those URLs.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from enum import StrEnum
from importlib.resources import files
from typing import Any, Final

from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4, DRAFT7, DRAFT202012


class SchemaName(StrEnum):
    OSV = "osv"
    CVE_RECORD = "cve-record"
    CVE_CNA_PUBLISHED = "cve-cna-published"
    CVE_CNA_REJECTED = "cve-cna-rejected"
    CSAF = "csaf"
    CSAF_PROVIDER = "csaf-provider"
    OPENVEX = "openvex"
    CYCLONEDX = "cyclonedx"


_MAIN: Final[Mapping[SchemaName, str]] = {
    SchemaName.OSV: "osv-schema.json",
    SchemaName.CVE_RECORD: "CVE_JSON_bundled_5.1.1.json",
    SchemaName.CVE_CNA_PUBLISHED: "CVE_JSON_cnaPublishedContainer_5.1.1.json",
    SchemaName.CVE_CNA_REJECTED: "CVE_JSON_cnaRejectedContainer_5.1.1.json",
    SchemaName.CSAF: "csaf-2.0-schema.json",
    SchemaName.CSAF_PROVIDER: "csaf-2.0-provider-schema.json",
    SchemaName.OPENVEX: "openvex-schema-0.2.0.json",
    SchemaName.CYCLONEDX: "bom-1.6.schema.json",
}
_FIRST: Final = "https://www.first.org/cvss/"
_CYCLONEDX: Final = "http://cyclonedx.org/schema/"
# Schemas referenced by URL: (the URL as written in the $ref, file, specification if the file
# does not say which draft it is written in clearly enough for referencing).
_REFERENCED: Final[Mapping[SchemaName, tuple[tuple[str, str, Any], ...]]] = {
    SchemaName.CSAF: (
        (f"{_FIRST}cvss-v2.0.json", "first-cvss-v2.0.json", DRAFT4),
        (f"{_FIRST}cvss-v3.0.json", "first-cvss-v3.0.json", DRAFT4),
        (f"{_FIRST}cvss-v3.1.json", "first-cvss-v3.1.json", DRAFT7),
    ),
    # The provider metadata takes its publisher object from the CSAF document schema.
    SchemaName.CSAF_PROVIDER: (
        (
            "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
            "csaf-2.0-schema.json",
            DRAFT202012,
        ),
        (f"{_FIRST}cvss-v2.0.json", "first-cvss-v2.0.json", DRAFT4),
        (f"{_FIRST}cvss-v3.0.json", "first-cvss-v3.0.json", DRAFT4),
        (f"{_FIRST}cvss-v3.1.json", "first-cvss-v3.1.json", DRAFT7),
    ),
    SchemaName.CYCLONEDX: (
        (f"{_CYCLONEDX}spdx.schema.json", "spdx.schema.json", DRAFT7),
        (f"{_CYCLONEDX}jsf-0.82.schema.json", "jsf-0.82.schema.json", DRAFT7),
    ),
}


@functools.cache
def load_schema(file_name: str) -> dict[str, Any]:
    """One packaged schema file, parsed."""
    text = files("akrites").joinpath("schemas", file_name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@functools.cache
def validator(name: SchemaName) -> Validator:
    """A validator for the official schema ``name``, in the draft the schema declares."""
    schema = load_schema(_MAIN[name])
    resources: list[tuple[str, Resource[Any]]] = []
    for url, file_name, specification in _REFERENCED.get(name, ()):
        contents = load_schema(file_name)
        resource = specification.create_resource(contents)
        resources.append((url, resource))
        # The FIRST schemas name themselves with a dated query string; their internal
        # references resolve against that name, so it must be known too.
        own_id = resource.id()
        if own_id is not None and own_id != url:
            resources.append((own_id, resource))
    registry: Registry[Any] = Registry().with_resources(resources)
    cls = validator_for(schema)
    cls.check_schema(schema)
    checker = cls.FORMAT_CHECKER
    result: Validator = cls(schema, registry=registry, format_checker=checker)
    return result


def schema_errors(name: SchemaName, document: Any) -> list[str]:
    """Every way ``document`` breaks schema ``name``, as ``path: message`` (empty if valid)."""
    found = []
    for error in validator(name).iter_errors(document):
        path = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.path)
        found.append(f"{path.lstrip('.') or '$'}: {error.message}")
    return sorted(found)
