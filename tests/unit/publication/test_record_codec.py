"""The stored advisory record: whatever valid advisory is written, it comes back equal."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from akrites.domain.advisory import Advisory
from akrites.publication.record import record_from_json, record_to_json
from tests.unit.formats.factories import samples
from tests.unit.formats.test_properties import advisories


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(advisories())
def test_generated_records_survive_storage(advisory: Advisory) -> None:
    stored = json.dumps(record_to_json(advisory), sort_keys=True)
    assert record_from_json(json.loads(stored)) == advisory


def test_sample_records_survive_storage() -> None:
    for name, advisory in samples():
        assert record_from_json(record_to_json(advisory)) == advisory, name
