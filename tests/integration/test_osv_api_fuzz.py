"""Whatever a client sends to the OSV API, the answer is an answer (200, or a 400 saying
what is wrong), never a server error."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=8,
)
package = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values | st.sampled_from(["quetzal", "Quetzal_Lib", "left-pad", ""]),
        "ecosystem": json_values | st.sampled_from(["PyPI", "npm", "Go", "pypi", ""]),
        "purl": json_values | st.sampled_from(["pkg:pypi/quetzal@1.0", "pkg:npm/x", "pkg:", "x"]),
    },
)
query = st.fixed_dictionaries(
    {},
    optional={
        "package": package | json_values,
        "version": json_values | st.sampled_from(["1.0", "2.4.1", "v1", ""]),
        "commit": json_values | st.sampled_from(["0" * 40, "abc"]),
        "page_token": json_values,
    },
)


def _post(path: str, body: Any) -> int:
    raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
    return Client().post(path, raw, content_type="application/json").status_code


@pytest.mark.django_db
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query | json_values)
def test_query_answers_or_refuses(body: Any) -> None:
    assert _post("/osv/v1/query", body) in {200, 400}


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({"queries": st.lists(query | json_values, max_size=5)}) | json_values)
def test_querybatch_answers_or_refuses(body: Any) -> None:
    assert _post("/osv/v1/querybatch", body) in {200, 400}


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=64))
def test_bytes_that_are_not_json_are_refused(body: bytes) -> None:
    assert _post("/osv/v1/query", body) in {200, 400}


@pytest.mark.django_db
@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40).filter(lambda s: "/" not in s and "?" not in s and "#" not in s))
def test_any_vulnerability_id_is_found_or_not_found(identifier: str) -> None:
    status = Client().get(f"/osv/v1/vulns/{identifier}").status_code
    assert status in {404, 301, 200}
