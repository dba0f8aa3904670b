from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("queues/<int:queue_id>/", views.queue_detail, name="queue"),
]
