"""Questions the desk answered, made the way the desk makes them: a customer asks on (the fake) X, an employee
claims and replies, an approver approves the reply when its words need it, and X accepts the post."""

from inbox import approvals, claims, outbox, services
from inbox.models import Question, Reply, ReplyDraft


def answered(ask, channel, text: str, reply: str, *, customer: str, author, approver) -> Question:
    question = ask(text, customer=customer)
    claims.claim(question, actor=author)
    question.refresh_from_db()
    sent = services.send_reply(question, actor=author, token=str(question.claim_token), body=reply)
    if isinstance(sent, ReplyDraft):
        sent = approvals.approve(sent, actor=approver, seen_sha256=sent.text_sha256).reply
    outbox.deliver(sent.pk, channel)
    assert Reply.objects.get(pk=sent.pk).status == Reply.Status.SENT
    return question
