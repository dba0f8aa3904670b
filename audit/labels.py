"""Every action code the desk records, written out with what it means in words a person reads (the codes stay in
the trail and the exports). tests/audit/test_action_labels.py finds every code the desk can record and fails on one
missing here, so a new action cannot reach the compliance pages as a raw code.
"""

from django.utils.translation import pgettext_lazy

ACTION_LABELS = {
    "accounts.employee.signed_up": pgettext_lazy("audit action", "signed up"),
    "accounts.employee.bootstrapped": pgettext_lazy("audit action", "created as administrator"),
    "accounts.employee.approved": pgettext_lazy("audit action", "approved"),
    "accounts.employee.rejected": pgettext_lazy("audit action", "rejected"),
    "accounts.employee.suspended": pgettext_lazy("audit action", "suspended"),
    "accounts.employee.reactivated": pgettext_lazy("audit action", "reactivated"),
    "accounts.employee.role_changed": pgettext_lazy("audit action", "role changed"),
    "accounts.queue_permission.granted": pgettext_lazy("audit action", "queue granted"),
    "accounts.queue_permission.revoked": pgettext_lazy("audit action", "queue revoked"),
    "accounts.session.signed_in": pgettext_lazy("audit action", "signed in"),
    "accounts.session.signed_out": pgettext_lazy("audit action", "signed out"),
    "accounts.session.sign_in_failed": pgettext_lazy("audit action", "failed sign-in"),
    "accounts.mfa.added": pgettext_lazy("audit action", "two-factor method added"),
    "accounts.mfa.removed": pgettext_lazy("audit action", "two-factor method removed"),
    "accounts.mfa.reset": pgettext_lazy("audit action", "recovery codes renewed"),
    "accounts.email.added": pgettext_lazy("audit action", "e-mail address added"),
    "accounts.email.removed": pgettext_lazy("audit action", "e-mail address removed"),
    "accounts.email.made_primary": pgettext_lazy("audit action", "primary e-mail address changed"),
    "accounts.email.verified": pgettext_lazy("audit action", "e-mail address verified"),
    "accounts.password.changed": pgettext_lazy("audit action", "password changed"),
    "accounts.password.set": pgettext_lazy("audit action", "password set"),
    "accounts.password.reset_requested": pgettext_lazy("audit action", "password reset requested"),
    "accounts.password.reset_refused": pgettext_lazy("audit action", "password reset refused (address not verified)"),
    "accounts.password.reset_completed": pgettext_lazy("audit action", "password reset completed"),
    "audit.trail.exported": pgettext_lazy("audit action", "trail exported"),
    "audit.verification.started": pgettext_lazy("audit action", "verification started"),
    "inbox.mentions.ingested": pgettext_lazy("audit action", "mentions received"),
    "inbox.question.claimed": pgettext_lazy("audit action", "claimed"),
    "inbox.question.renewed": pgettext_lazy("audit action", "claim renewed"),
    "inbox.question.released": pgettext_lazy("audit action", "released"),
    "inbox.question.force_released": pgettext_lazy("audit action", "force-released"),
    "inbox.question.reassigned": pgettext_lazy("audit action", "reassigned"),
    "inbox.question.lock_expired": pgettext_lazy("audit action", "claim expired"),
    "inbox.reply.queued": pgettext_lazy("audit action", "reply queued"),
    "inbox.reply.sent": pgettext_lazy("audit action", "reply sent"),
    "inbox.reply.retried": pgettext_lazy("audit action", "reply to be retried"),
    "inbox.reply.failed": pgettext_lazy("audit action", "reply failed"),
    "inbox.question.flagged_overdue": pgettext_lazy("audit action", "flagged overdue"),
    "inbox.question.supervisors_warned": pgettext_lazy("audit action", "supervisors warned"),
    "inbox.question.closed": pgettext_lazy("audit action", "closed without answer"),
    "inbox.queue.created": pgettext_lazy("audit action", "queue created"),
    "inbox.queue.changed": pgettext_lazy("audit action", "queue changed"),
    "inbox.routingrule.created": pgettext_lazy("audit action", "routing rule created"),
    "inbox.routingrule.changed": pgettext_lazy("audit action", "routing rule changed"),
    "inbox.replytemplate.created": pgettext_lazy("audit action", "reply template created"),
    "inbox.replytemplate.changed": pgettext_lazy("audit action", "reply template changed"),
    "inbox.servicelevel.created": pgettext_lazy("audit action", "service level created"),
    "inbox.servicelevel.changed": pgettext_lazy("audit action", "service level changed"),
}


def action_label(code: str) -> str:
    return str(ACTION_LABELS.get(code, code))
