from datetime import timedelta

import pytest
from django.db.models import F

from accounts import services as accounts_services
from accounts.models import Role
from inbox.ingest import ingest_mentions
from inbox.models import Question, RoutingRule
from inbox.services import save_setting
from tests import cast


@pytest.fixture
def desk(people):
    """The cast, with questions about orders routed to queue A, whose supervisor is S100 (S300 supervises
    no queue)."""
    save_setting(RoutingRule(name="to A", keywords="order", queue=people.queue_a), actor=None)
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


def wind_back(questions, minutes: float) -> None:
    """Time travel: the questions were asked `minutes` earlier than they were (deadlines move with them)."""
    shift = timedelta(minutes=minutes)
    Question.objects.filter(pk__in=[q.pk for q in questions]).update(
        created_at=F("created_at") - shift,
        waiting_since=F("waiting_since") - shift,
        due_at=F("due_at") - shift,
        warn_at=F("warn_at") - shift,
    )
