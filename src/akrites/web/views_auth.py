"""Sign-in, sign-out and the second factor."""

from __future__ import annotations

from typing import Any

import segno
from django import forms
from django.contrib import auth
from django.contrib.auth.views import PasswordResetConfirmView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from akrites.accounts import services
from akrites.accounts.auth import actor_from_request
from akrites.web.access import public, signed_in

_THROTTLED = "Too many wrong codes in a row: wait a little, then enter a fresh code."


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=254)
    password = forms.CharField(widget=forms.PasswordInput, max_length=512, strip=False)


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$", max_length=12, error_messages={"invalid": "Enter the 6-digit code."}
    )


def _next_url(request: HttpRequest, default: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """django-axes calls this once an account/address pair is throttled."""
    form = LoginForm(request.POST or None)
    return render(
        request,
        "web/login.html",
        {
            "form": form,
            "error": "Too many failed sign-in attempts. Sign-in for this account is locked for a "
            "while; try again later.",
        },
        status=429,
    )


@public("the sign-in page must be reachable before signing in")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        user = auth.authenticate(
            request,
            username=form.cleaned_data["email"].lower(),
            password=form.cleaned_data["password"],
        )
        if user is not None:
            auth.login(request, user)
            actor = actor_from_request(request)
            if actor.needs_second_factor:
                return HttpResponseRedirect(f"/account/two-factor/?next={_next_url(request)}")
            return HttpResponseRedirect(_next_url(request))
        error = "Wrong e-mail address or password."
    return render(
        request,
        "web/login.html",
        {"form": form, "error": error, "next": _next_url(request)},
        status=401 if error else 200,
    )


@signed_in("anyone signed in may sign out")
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    auth.logout(request)
    return HttpResponseRedirect("/login/")


@signed_in("the second-factor step itself comes before two-factor checks")
@require_http_methods(["GET", "POST"])
def two_factor_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    form = CodeForm(request.POST or None)
    error = ""
    if confirmed is not None:
        if request.method == "POST" and form.is_valid():
            allowed, _ = confirmed.verify_is_allowed()
            if confirmed.verify_token(form.cleaned_data["code"].strip()):
                otp_login(request, confirmed)
                return HttpResponseRedirect(_next_url(request))
            error = (
                "That code is not valid. Check your authenticator's clock and try again."
                if allowed
                else _THROTTLED
            )
        return render(
            request,
            "web/two_factor_verify.html",
            {"form": form, "error": error, "next": _next_url(request)},
            status=401 if error else 200,
        )
    device = services.totp_device_for_enrolment(user=user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        actor = actor_from_request(request)
        # Ask before verifying: a failed verification itself starts the throttle.
        allowed, _ = device.verify_is_allowed()
        if services.totp_confirm(
            actor=actor,
            user=user,
            device=device,  # type: ignore[arg-type]
            code=form.cleaned_data["code"],
        ):
            otp_login(request, device)
            return HttpResponseRedirect(_next_url(request))
        error = (
            "That code is not valid. Scan the code again and enter the current 6 digits."
            if allowed
            else _THROTTLED
        )
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "web/two_factor_enrol.html",
        {
            "form": form,
            "error": error,
            "qr_svg": qr.svg_inline(scale=4, dark="#111", light="#fff"),
            "secret": device.config_url.split("secret=")[1].split("&")[0],
            "next": _next_url(request),
        },
        status=401 if error else 200,
    )


class SetPasswordView(PasswordResetConfirmView):
    template_name = "web/set_password.html"
    success_url = "/login/?password=set"


set_password_view = public("reached from a one-time link sent by e-mail; Django checks its token")(
    SetPasswordView.as_view()
)
