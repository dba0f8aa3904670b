import pytest

from accounts import services as accounts_services
from accounts.models import Role
from inbox.ingest import ingest_mentions
from inbox.models import Question
from tests import cast


@pytest.fixture
def desk(people, routed_to_a):
    """The cast, with questions about orders routed to queue A, whose supervisor is S100 (S300 supervises
    no queue)."""
    accounts_services.grant_queue(people.supervisor, people.queue_a, actor=people.administrator)
    people.other_supervisor = cast.approved("S300", by=people.administrator, role=Role.SUPERVISOR)
    return people


@pytest.fixture
def ask_many(fake_x, channel):
    """Customers post `count` questions on X, then one ingestion run reads them all."""

    def asking(count: int, text: str = "Where is my order?") -> list[Question]:
        ids = [fake_x.mention(f"customer_{n}", f"{text} ({n})") for n in range(count)]
        ingest_mentions(channel)
        return list(Question.objects.filter(source_post_id__in=ids).order_by("pk"))

    return asking
