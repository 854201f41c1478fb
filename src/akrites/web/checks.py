"""System checks (``akrites check``): the platform refuses to look healthy if any API
operation forgot to declare its permission."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register(checks.Tags.security)
def api_operations_declare_access(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    from akrites.api import undeclared_operations

    return [
        checks.Error(f"API operation {op} declares no permission", id="akrites.E001")
        for op in undeclared_operations()
    ]
