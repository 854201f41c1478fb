from __future__ import annotations

from django import forms

from akrites.accounts.models import Organisation
from akrites.domain.permissions import OrgKind
from akrites.domain.registry import Confidence, ContactChannel, ContactRole, Sector

_SECTORS = [(s.value, s.value) for s in Sector]


def _maintainers() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=OrgKind.MAINTAINER.value),
        required=False,
        empty_label="(none: Akrites is maintainer of last resort)",
    )


class AliasesField(forms.CharField):
    """Package URLs, one per line."""

    widget = forms.Textarea(attrs={"rows": 2})

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def prepare_value(self, value: object) -> object:
        return "\n".join(value) if isinstance(value, list) else value


def _aliases() -> AliasesField:
    return AliasesField(
        required=False,
        max_length=5000,
        label="Also known as",
        help_text="Former names and forks, one package URL per line",
    )


class ComponentCreateForm(forms.Form):
    purl = forms.CharField(
        max_length=512,
        label="Package URL",
        help_text="e.g. pkg:pypi/django or pkg:npm/%40angular/core",
    )
    repository_url = forms.URLField(max_length=500, required=False, assume_scheme="https")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    critical = forms.BooleanField(required=False)
    sectors = forms.MultipleChoiceField(
        choices=_SECTORS, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["maintainer_org"] = _maintainers()
        self.fields["aliases"] = _aliases()


class ComponentEditForm(forms.Form):
    repository_url = forms.URLField(max_length=500, required=False, assume_scheme="https")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )


class ComponentClassifyForm(ComponentEditForm):
    critical = forms.BooleanField(required=False)
    sectors = forms.MultipleChoiceField(
        choices=_SECTORS, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["maintainer_org"] = _maintainers()
        self.fields["aliases"] = _aliases()


class ContactForm(forms.Form):
    channel = forms.ChoiceField(choices=[(c.value, c.value) for c in ContactChannel])
    address = forms.CharField(max_length=500, help_text="E-mail address or URL")
    role = forms.ChoiceField(choices=[(r.value, r.value) for r in ContactRole])
    confidence = forms.ChoiceField(choices=[(c.value, c.value) for c in Confidence])
    openpgp_key = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label="OpenPGP public key (optional, ASCII-armoured)",
        max_length=70000,
    )
