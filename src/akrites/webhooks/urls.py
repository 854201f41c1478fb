"""Mounted at organisation/webhooks/ by akrites.urls."""

from django.urls import path

from akrites.webhooks import views

urlpatterns = [
    path("", views.endpoint_list, name="webhooks"),
    path("<int:webhook_id>/", views.endpoint_detail, name="webhook"),
    path("<int:webhook_id>/rotate/", views.endpoint_rotate, name="webhook-rotate"),
    path("<int:webhook_id>/ping/", views.endpoint_ping, name="webhook-ping"),
    path("<int:webhook_id>/delete/", views.endpoint_delete, name="webhook-delete"),
]
