from django.urls import path

from . import views

app_name = "inbox"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("next/", views.next_question, name="next"),
    path("outbox/", views.outbox_status, name="outbox"),
    path("overdue/", views.overdue_view, name="overdue"),
    path("status/", views.desk_status, name="status"),
    path("queues/<int:queue_id>/", views.queue_detail, name="queue"),
    path("questions/<int:question_id>/", views.question_detail, name="question"),
    path("questions/<int:question_id>/claim/", views.claim, name="claim"),
    path("questions/<int:question_id>/renew/", views.renew, name="renew"),
    path("questions/<int:question_id>/release/", views.release, name="release"),
    path("questions/<int:question_id>/send/", views.send, name="send"),
    path("questions/<int:question_id>/force-release/", views.force_release, name="force_release"),
    path("questions/<int:question_id>/reassign/", views.reassign, name="reassign"),
    path("questions/<int:question_id>/close/", views.close, name="close"),
]
