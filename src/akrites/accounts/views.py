"""Account, API tokens, one's organisation and (for the SIRT) all organisations."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from akrites.accounts import selectors, services
from akrites.accounts.auth import actor_from_request
from akrites.accounts.forms import (
    MemberForm,
    OpenPGPKeyForm,
    OrganisationForm,
    PasswordForm,
    RolesForm,
    TimeZoneForm,
    TokenForm,
)
from akrites.accounts.models import User
from akrites.accounts.tasks import send_set_password_link
from akrites.domain.errors import Conflict, InvalidInput
from akrites.domain.permissions import Permission, Role, role_allowed_in, token_scopes_allowed
from akrites.domain.policy import OrgId, OrgResource, authorize
from akrites.jobs import enqueue_after_commit
from akrites.notifications.preferences import notice_key_set
from akrites.web.access import requires
from akrites.web.forms import add_error


@requires(Permission.PROFILE_READ)
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    user: User = request.user  # type: ignore[assignment]
    which = request.POST.get("form") if request.method == "POST" else None
    form = PasswordForm(request.POST if which == "password" else None)
    zone_form = TimeZoneForm(
        request.POST if which == "time_zone" else None, initial={"time_zone": user.time_zone}
    )
    if which == "password" and form.is_valid():
        if not user.check_password(form.cleaned_data["current"]):
            form.add_error("current", "This is not your current password.")
        else:
            try:
                services.user_set_password(
                    actor=actor, user=user, password=form.cleaned_data["new"]
                )
            except InvalidInput as exc:
                add_error(form, exc, default_field="new")
            else:
                update_session_auth_hash(request, user)
                messages.success(request, "Your password was changed.")
                return HttpResponseRedirect("/account/")
    if which == "time_zone" and zone_form.is_valid():
        try:
            services.user_set_time_zone(
                actor=actor, user=user, time_zone=zone_form.cleaned_data["time_zone"]
            )
        except InvalidInput as exc:
            add_error(zone_form, exc)
        else:
            messages.success(request, f"Times are now shown in {user.time_zone}.")
            return HttpResponseRedirect("/account/")
    key_form = OpenPGPKeyForm(
        request.POST if which == "openpgp" else None,
        initial={"openpgp_key": user.openpgp_key, "encrypted": user.notices_encrypted},
    )
    if which == "openpgp" and key_form.is_valid():
        try:
            notice_key_set(
                actor=actor,
                user=user,
                openpgp_key=key_form.cleaned_data["openpgp_key"],
                encrypted=key_form.cleaned_data["encrypted"],
            )
        except InvalidInput as exc:
            add_error(key_form, exc, default_field="openpgp_key")
        else:
            messages.success(request, "Your OpenPGP key and notice choice were saved.")
            return HttpResponseRedirect("/account/")
    return render(
        request,
        "accounts/account.html",
        {"form": form, "zone_form": zone_form, "key_form": key_form, "actor": actor},
    )


_NEW_TOKEN_KEY = "akrites_new_token_secret"


@requires(Permission.TOKEN_MANAGE)
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    user: User = request.user  # type: ignore[assignment]
    available = sorted(token_scopes_allowed(actor.roles))
    form = TokenForm(request.POST or None, initial={"expires_in_days": 90})
    form.fields["scopes"].choices = [(p.value, p.value) for p in available]
    if request.method == "POST" and form.is_valid():
        try:
            created = services.token_create(
                actor=actor,
                user=user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"] or None,
                expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except InvalidInput as exc:
            add_error(form, exc)
        else:
            # Post/redirect/get: a reload must not create a second token. The secret waits
            # in the session for exactly one page view.
            request.session[_NEW_TOKEN_KEY] = created.secret
            return HttpResponseRedirect("/account/tokens/")
    new_secret = request.session.pop(_NEW_TOKEN_KEY, None) if request.method == "GET" else None
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": selectors.tokens_of(actor=actor),
            "new_secret": new_secret,
        },
    )


@requires(Permission.TOKEN_MANAGE)
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.token_revoke(actor=actor_from_request(request), token_id=token_id)
    messages.success(request, "The token was revoked.")
    return HttpResponseRedirect("/account/tokens/")


def _organisation_page(request: HttpRequest, org_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    org = selectors.organisation_get(actor=actor, org_id=org_id)
    members = selectors.members_visible_to(actor=actor, organisation=org)
    can_manage = bool(authorize(actor, Permission.MEMBER_MANAGE, OrgResource(OrgId(org.pk))))
    form = MemberForm(request.POST or None)
    form.fields["roles"].choices = [
        (r.value, r.value) for r in Role if role_allowed_in(r, org.org_kind)
    ]
    if request.method == "POST" and can_manage and form.is_valid():
        try:
            user = services.user_create(
                actor=actor,
                email=form.cleaned_data["email"],
                organisation=org,
                roles=form.cleaned_data["roles"],
                display_name=form.cleaned_data["display_name"],
            )
        except (InvalidInput, Conflict) as exc:
            add_error(form, exc)
        else:
            enqueue_after_commit(send_set_password_link, user.pk)
            messages.success(
                request, f"{user.email} was added and will receive an e-mail to choose a password."
            )
            return HttpResponseRedirect(request.path)
    return render(
        request,
        "accounts/organisation.html",
        {
            "org": org,
            "members": members,
            "can_manage": can_manage,
            "form": form,
            "role_choices": form.fields["roles"].choices,
        },
    )


@requires(Permission.MEMBER_READ)
@require_http_methods(["GET", "POST"])
def my_organisation(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    return _organisation_page(request, int(actor.org_id or 0))


@requires(Permission.ORGANISATION_READ)
@require_http_methods(["GET", "POST"])
def organisation_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    return _organisation_page(request, org_id)


@requires(Permission.MEMBER_MANAGE)
@require_POST
def member_roles(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    member = selectors.member_get(actor=actor, user_id=user_id)
    form = RolesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose at least one role.")
    else:
        try:
            services.user_set_roles(actor=actor, user=member, roles=form.cleaned_data["roles"])
            messages.success(request, f"Roles of {member.email} updated.")
        except InvalidInput as exc:
            messages.error(request, exc.message)
    return HttpResponseRedirect(request.POST.get("back") or "/organisation/")


@requires(Permission.MEMBER_MANAGE)
@require_POST
def member_active(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    member = selectors.member_get(actor=actor, user_id=user_id)
    active = request.POST.get("active") == "1"
    try:
        services.user_set_active(actor=actor, user=member, active=active)
        messages.success(request, f"{member.email} is now {'active' if active else 'deactivated'}.")
    except InvalidInput as exc:
        messages.error(request, exc.message)
    return HttpResponseRedirect(
        "/organisation/"
        if member.organisation_id == actor.org_id
        else f"/organisations/{member.organisation_id}/"
    )


@requires(Permission.ORGANISATION_LIST)
@require_http_methods(["GET", "POST"])
def organisations(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    can_create = bool(authorize(actor, Permission.ORGANISATION_CREATE))
    form = OrganisationForm(request.POST or None)
    if request.method == "POST" and can_create and form.is_valid():
        try:
            org = services.organisation_create(actor=actor, **form.cleaned_data)
        except (InvalidInput, Conflict) as exc:
            add_error(form, exc)
        else:
            return HttpResponseRedirect(f"/organisations/{org.pk}/")
    return render(
        request,
        "accounts/organisations.html",
        {
            "organisations": selectors.organisations_visible_to(actor=actor),
            "form": form,
            "can_create": can_create,
        },
    )
