import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from accounts import services
from accounts.models import Role
from audit.models import AuditEntry
from inbox.channels.fake_x import FakeX
from inbox.channels.x import x_channel_from_settings
from inbox.ingest import ingest_mentions
from inbox.models import Question

from . import cast


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Let Django empty the append-only audit tables between tests (TRUNCATE), as only a maintenance session
    may; UPDATE and DELETE stay refused (tests/audit/test_append_only.py)."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        name = connection.settings_dict["NAME"]
        cursor.execute(f"ALTER DATABASE \"{name}\" SET replydesk.audit_maintenance = 'on'")
        cursor.execute("SET replydesk.audit_maintenance = 'on'")


@pytest.fixture(autouse=True)
def _english_unless_asked():
    # A request in Japanese leaves the thread's language active; messages asserted in English need it reset.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits live in Redis; a test must not inherit another's failed sign-ins.
    cache.clear()
    yield
    cache.clear()


class Cast:
    """An approved employee in queue A, one in queue B only, a supervisor, a compliance officer, an
    administrator, a pending sign-up, a rejected sign-up and a suspended employee."""

    def __init__(self):
        self.queue_a = cast.make_queue("Queue A")
        self.queue_b = cast.make_queue("Queue B")
        self.administrator = cast.administrator()
        self.supervisor = cast.approved("S100", by=self.administrator, role=Role.SUPERVISOR)
        self.compliance = cast.approved("C100", by=self.administrator, role=Role.COMPLIANCE)
        self.employee_a = cast.approved("E100", by=self.supervisor, role=Role.EMPLOYEE, queues=[self.queue_a])
        self.employee_b = cast.approved("E200", by=self.supervisor, role=Role.EMPLOYEE, queues=[self.queue_b])
        self.pending = cast.sign_up("P100")
        self.rejected = services.reject_employee(cast.sign_up("R100"), actor=self.supervisor, reason="Unknown number")
        self.suspended = services.suspend_employee(
            cast.approved("X100", by=self.supervisor, role=Role.EMPLOYEE, queues=[self.queue_a]),
            actor=self.supervisor,
            reason="Left the company",
        )


@pytest.fixture
def people(db) -> Cast:
    return Cast()


def actions_since(entry_id: int) -> list[str]:
    return list(AuditEntry.objects.filter(id__gt=entry_id).order_by("id").values_list("action", flat=True))


def last_entry_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The cast signs up ten people per test; PBKDF2's deliberate slowness buys nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fake_x(settings):
    """The project's fake X server on loopback, with the settings pointing the real tweepy client at it."""
    with FakeX() as fake:
        settings.X_API_BASE_URL = fake.url
        settings.X_ACCOUNT_ID = fake.account_id
        settings.X_ACCOUNT_USERNAME = fake.account_username
        settings.X_REQUEST_TIMEOUT = 2.0
        yield fake


@pytest.fixture
def channel(fake_x):
    return x_channel_from_settings()


@pytest.fixture
def ask(fake_x, channel):
    """A customer asks on X and the desk ingests it; returns the question the post landed in."""

    def asking(text: str, *, customer: str = "tanaka_k", in_reply_to: str | None = None) -> Question:
        post_id = fake_x.mention(customer, text, in_reply_to=in_reply_to)
        ingest_mentions(channel)
        return Question.objects.get(posts__network_id=post_id)

    return asking
