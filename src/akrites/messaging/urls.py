"""Mounted at cases/<str:number>/messages/ by akrites.urls."""

from django.urls import path

from akrites.messaging import views

urlpatterns = [
    path("", views.messages_home, name="case-messages"),
    path("threads/<int:thread_id>/", views.thread_detail, name="case-thread"),
    path("threads/<int:thread_id>/post/", views.message_post, name="case-message-post"),
    path("private/", views.private_open, name="case-private-open"),
    path("search/", views.search, name="case-messages-search"),
    path(
        "attachments/<int:attachment_id>/",
        views.attachment_download,
        name="case-message-attachment",
    ),
]
