from __future__ import annotations

from django import forms

from akrites.domain.permissions import OrgKind, Permission, Role


class OrganisationForm(forms.Form):
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=[(k.value, k.value) for k in OrgKind])
    website = forms.URLField(required=False, max_length=200, assume_scheme="https")


class MemberForm(forms.Form):
    email = forms.EmailField(max_length=254)
    display_name = forms.CharField(max_length=200, required=False)
    roles = forms.MultipleChoiceField(
        choices=[(r.value, r.value) for r in Role], widget=forms.CheckboxSelectMultiple
    )


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        choices=[(r.value, r.value) for r in Role], widget=forms.CheckboxSelectMultiple
    )


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scopes = forms.MultipleChoiceField(
        choices=[(p.value, p.value) for p in Permission],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    expires_in_days = forms.IntegerField(min_value=1, max_value=3650, initial=90)


class PasswordForm(forms.Form):
    current = forms.CharField(widget=forms.PasswordInput, strip=False, max_length=512)
    new = forms.CharField(widget=forms.PasswordInput, strip=False, max_length=512)


class TimeZoneForm(forms.Form):
    time_zone = forms.CharField(
        max_length=64,
        label="Show times in",
        help_text="An IANA time zone, e.g. Europe/Athens or UTC",
    )


class OpenPGPKeyForm(forms.Form):
    openpgp_key = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
        max_length=70000,
        label="OpenPGP public key",
        help_text="ASCII-armoured (-----BEGIN PGP PUBLIC KEY BLOCK-----); empty removes it",
    )
    encrypted = forms.BooleanField(
        required=False,
        label="Send me the content encrypted",
        help_text="Notices about new case messages then include the message, encrypted to "
        "this key; without it they only say that there is something new",
    )
