"""Events other parts of Akrites may hook. They carry ids only, never case content:
a receiver that tells people about a message must ask ``messages_visible_to`` who may
see it, and must not quote it."""

from __future__ import annotations

from django.dispatch import Signal

# Sent after the posting transaction commits (never for a rolled-back post), with
# keyword arguments case_id, case_number, thread_id, message_id and author_id.
message_posted = Signal()
