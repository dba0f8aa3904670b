"""What the access matrix (tests/accounts/test_access_matrix.py) needs of quality review, made on first use by the
rows that name it: E100's answer to the cast's question, sent to the fake X, added to the sample by the supervisor and
reviewed by the administrator."""

from channels.x import x_channel_from_settings
from inbox import claims, outbox, services
from quality import reviews

RATINGS = {"accuracy": 2, "policy": 1, "tone": 2, "clarity": 2}
REVIEW_FORM = {"scorecard": "1", "comment": "Fine.", **{f"rating_{key}": str(value) for key, value in RATINGS.items()}}


def quality_objects(people):
    if not hasattr(people, "quality_review"):
        held = claims.claim(people.question, actor=people.employee_a)
        reply = services.send_reply(held, actor=people.employee_a, token=str(held.claim_token), body="Tomorrow.")
        outbox.deliver(reply.pk, x_channel_from_settings())
        people.sent_reply = reply
        people.quality_sample = reviews.add_sample_by_hand(reply, actor=people.supervisor)
        people.quality_review = reviews.submit_review(
            people.quality_sample, actor=people.administrator, scorecard_version=1, ratings=RATINGS, comment="Fine."
        )
    return people
