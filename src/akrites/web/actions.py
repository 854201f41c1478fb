"""Form actions of server-rendered pages: do one thing, say what happened (or exactly what
was wrong, every problem of it), then go back to the page."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from akrites.domain.errors import AkritesError


def report_error(request: HttpRequest, exc: AkritesError) -> None:
    problems = getattr(exc, "problems", None)  # an AdvisoryError lists every problem
    if problems:
        for problem in problems:
            messages.error(request, f"{problem.field}: {problem.message}")
    else:
        messages.error(request, exc.message)


def act(request: HttpRequest, back: str, action: Callable[[], str]) -> HttpResponse:
    """Run ``action`` (it returns the success message); refused input changes nothing and
    is reported on the page the user comes back to."""
    try:
        messages.success(request, action())
    except AkritesError as exc:
        report_error(request, exc)
    return HttpResponseRedirect(back)
