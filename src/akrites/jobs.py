"""Background jobs: queued with the change that caused them, run by ``akrites worker``.

The queue is django-tasks with its database backend, so jobs live in the same database
as the data. Enqueued inside a transaction, a job row commits or rolls back with the
change: workers see it only after the commit, and a crash cannot lose it (a transactional
outbox). With any other backend we fall back to enqueueing from ``on_commit``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
from django_tasks.base import Task

_TRANSACTIONAL_BACKENDS = ("django_tasks_db.backend.DatabaseBackend",)


def _backend_is_transactional(t: Task[Any, Any]) -> bool:
    backend = task_backends[t.backend or DEFAULT_TASK_BACKEND_ALIAS]
    path = f"{type(backend).__module__}.{type(backend).__qualname__}"
    return path in _TRANSACTIONAL_BACKENDS


def enqueue_after_commit(t: Task[Any, Any], *args: Any, **kwargs: Any) -> None:
    """Queue ``t`` so that it runs only if (and after) the current transaction commits."""
    if transaction.get_connection().in_atomic_block and _backend_is_transactional(t):
        t.enqueue(*args, **kwargs)
        return
    transaction.on_commit(lambda: t.enqueue(*args, **kwargs), robust=False)
