"""Rendering domain errors on Django forms."""

from __future__ import annotations

from django import forms

from akrites.domain.errors import AkritesError


def add_error(form: forms.Form, exc: AkritesError, *, default_field: str | None = None) -> None:
    """Attach ``exc`` to the field it names (or to the form as a whole)."""
    field = exc.field if exc.field in form.fields else default_field
    form.add_error(field if field in form.fields else None, exc.message)
