from django.urls import path

from . import approval_views, escalation_views, list_views, notification_views, similar_views, views

app_name = "inbox"

urlpatterns = [
    path("", list_views.inbox, name="inbox"),
    path("arrivals/", list_views.arrivals, name="arrivals"),
    path("shortcuts/", list_views.shortcuts, name="shortcuts"),
    path("next/", views.next_question, name="next"),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/seen/", notification_views.mark_seen, name="notifications_seen"),
    path("badges/", notification_views.badges, name="badges"),
    path("outbox/", views.outbox_status, name="outbox"),
    path("overdue/", views.overdue_view, name="overdue"),
    path("status/", views.desk_status, name="status"),
    path("queues/<int:queue_id>/", list_views.queue_detail, name="queue"),
    path("questions/<int:question_id>/", views.question_detail, name="question"),
    path("questions/<int:question_id>/changes/", views.question_changes, name="changes"),
    path("questions/<int:question_id>/claim/", views.claim, name="claim"),
    path("questions/<int:question_id>/renew/", views.renew, name="renew"),
    path("questions/<int:question_id>/release/", views.release, name="release"),
    path("questions/<int:question_id>/send/", views.send, name="send"),
    path("questions/<int:question_id>/force-release/", views.force_release, name="force_release"),
    path("questions/<int:question_id>/reassign/", views.reassign, name="reassign"),
    path("questions/<int:question_id>/close/", views.close, name="close"),
    path("questions/<int:question_id>/approval-check/", approval_views.question_approval_check, name="approval_check"),
    path("questions/<int:question_id>/similar/", similar_views.similar_answers_view, name="similar_answers"),
    path("questions/<int:question_id>/withdraw/", approval_views.withdraw, name="withdraw"),
    path("questions/<int:question_id>/escalate/", escalation_views.escalate, name="escalate"),
    path("escalations/", escalation_views.escalation_list, name="escalations"),
    path("escalations/<int:escalation_id>/accept/", escalation_views.accept_escalation, name="accept_escalation"),
    path("escalations/<int:escalation_id>/resolve/", escalation_views.resolve_escalation, name="resolve_escalation"),
    path("escalations/<int:escalation_id>/return/", escalation_views.return_escalation, name="return_escalation"),
    path("approvals/", approval_views.approval_list, name="approvals"),
    path("approvals/rules/", approval_views.approval_rules_view, name="approval_rules"),
    path("approvals/<int:draft_id>/", approval_views.approval_detail, name="approval"),
    path("approvals/<int:draft_id>/approve/", approval_views.approve, name="approve"),
    path("approvals/<int:draft_id>/reject/", approval_views.reject, name="reject"),
    path("approvals/<int:draft_id>/check/", approval_views.edit_check, name="approval_edit_check"),
]
