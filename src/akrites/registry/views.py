"""Registry pages: thin wrappers over selectors and services."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from akrites.accounts.auth import actor_from_request
from akrites.domain.errors import Conflict, InvalidInput, NotFound
from akrites.domain.permissions import Permission
from akrites.domain.policy import authorize
from akrites.domain.purl import Ecosystem
from akrites.registry import selectors, services
from akrites.registry.forms import (
    ComponentClassifyForm,
    ComponentCreateForm,
    ComponentEditForm,
    ContactForm,
)
from akrites.web.access import requires
from akrites.web.forms import add_error


@requires(Permission.COMPONENT_READ)
@require_GET
def component_list(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    critical_raw = request.GET.get("critical", "")
    qs = selectors.components_visible_to(
        actor=actor,
        query=request.GET.get("q", "")[:200],
        ecosystem=request.GET.get("ecosystem", "")[:40],
        critical=True if critical_raw == "1" else None,
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    ctx = {
        "page": page,
        "q": request.GET.get("q", ""),
        "ecosystem": request.GET.get("ecosystem", ""),
        "critical": critical_raw,
        "ecosystems": [e.value for e in Ecosystem],
        "can_create": bool(authorize(actor, Permission.COMPONENT_CREATE)),
    }
    template = "registry/_rows.html" if request.headers.get("HX-Request") else "registry/list.html"
    return render(request, template, ctx)


@requires(Permission.COMPONENT_CREATE)
@require_http_methods(["GET", "POST"])
def component_create(request: HttpRequest) -> HttpResponse:
    actor = actor_from_request(request)
    form = ComponentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            component = services.component_create(actor=actor, **form.cleaned_data)
        except (InvalidInput, Conflict) as exc:
            add_error(form, exc)
        else:
            messages.success(request, f"{component.purl} registered.")
            return HttpResponseRedirect(f"/components/{component.pk}/")
    return render(
        request, "registry/create.html", {"form": form}, status=422 if form.errors else 200
    )


@requires(Permission.COMPONENT_READ)
@require_GET
def component_detail(request: HttpRequest, component_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    component = selectors.component_get(actor=actor, component_id=component_id)
    resource = selectors.component_resource(component)
    return render(
        request,
        "registry/detail.html",
        {
            "component": component,
            "contacts": selectors.contacts_visible_to(actor=actor, component=component),
            "can_see_contacts": bool(authorize(actor, Permission.CONTACT_READ, resource)),
            "can_edit": bool(authorize(actor, Permission.COMPONENT_EDIT, resource)),
            "can_manage_contacts": bool(authorize(actor, Permission.CONTACT_MANAGE, resource)),
            "contact_form": ContactForm(),
        },
    )


@requires(Permission.COMPONENT_EDIT)
@require_http_methods(["GET", "POST"])
def component_edit(request: HttpRequest, component_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    component = selectors.component_get(actor=actor, component_id=component_id)
    resource = selectors.component_resource(component)
    classify = bool(authorize(actor, Permission.COMPONENT_CLASSIFY, resource))
    form_class = ComponentClassifyForm if classify else ComponentEditForm
    initial = {
        "repository_url": component.repository_url,
        "description": component.description,
        "critical": component.critical,
        "sectors": component.sectors,
        "maintainer_org": component.maintainer_org_id,
        "aliases": component.aliases,
    }
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.component_update(actor=actor, component=component, **form.cleaned_data)
        except InvalidInput as exc:
            add_error(form, exc)
        else:
            messages.success(request, "Saved.")
            return HttpResponseRedirect(f"/components/{component.pk}/")
    return render(
        request,
        "registry/edit.html",
        {"form": form, "component": component},
        status=422 if form.errors else 200,
    )


@requires(Permission.CONTACT_MANAGE)
@require_POST
def contact_add(request: HttpRequest, component_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    component = selectors.component_get(actor=actor, component_id=component_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_add(actor=actor, component=component, **form.cleaned_data)
        except (InvalidInput, Conflict) as exc:
            add_error(form, exc)
        else:
            messages.success(request, "Contact added.")
            return HttpResponseRedirect(f"/components/{component.pk}/")
    resource = selectors.component_resource(component)
    return render(
        request,
        "registry/detail.html",
        {
            "component": component,
            "contacts": selectors.contacts_visible_to(actor=actor, component=component),
            "can_see_contacts": True,
            "can_edit": bool(authorize(actor, Permission.COMPONENT_EDIT, resource)),
            "can_manage_contacts": True,
            "contact_form": form,
        },
        status=422,
    )


@requires(Permission.CONTACT_MANAGE)
@require_POST
def contact_remove(request: HttpRequest, component_id: int, contact_id: int) -> HttpResponse:
    actor = actor_from_request(request)
    component = selectors.component_get(actor=actor, component_id=component_id)
    # Decide access before existence, so a real contact id answers like a guessed one.
    if not authorize(actor, Permission.CONTACT_MANAGE, selectors.component_resource(component)):
        raise NotFound("no such contact")
    if not component.contacts.filter(pk=contact_id).exists():
        raise NotFound("no such contact")
    services.contact_remove(actor=actor, contact_id=contact_id)
    messages.success(request, "Contact removed.")
    return HttpResponseRedirect(f"/components/{component.pk}/")
