import os

import pytest
from django.core.cache import cache
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from accounts import services
from accounts.models import Role
from channels.x import x_channel_from_settings
from demo.fake_x import FakeX
from inbox.configuration import save_setting
from inbox.ingest import ingest_mentions
from inbox.models import Question, RoutingRule

from . import cast, database_roles

# `make test` runs every property test on the same examples each time (derandomized: a failure is the code's,
# never the draw's); `make test-explore` (HYPOTHESIS_PROFILE=explore) draws new ones and keeps what it finds.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
hypothesis_settings.register_profile("explore", derandomize=False, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


database_roles.install()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """The test database is created and migrated by its owner, as `migrate` is in production."""
    database_roles.use(database_roles.OWNER)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """Then the desk runs as the runtime role; the owner comes back to drop the database at the end."""
    database_roles.use(database_roles.RUNTIME)
    yield
    database_roles.use(database_roles.OWNER)


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


@pytest.fixture(autouse=True)
def anchor_file(settings, tmp_path):
    """Each test's sealer anchors into a file of its own: the database is emptied between tests, its anchors too."""
    settings.AUDIT_ANCHOR_FILE = str(tmp_path / "audit-anchors.jsonl")
    return tmp_path / "audit-anchors.jsonl"


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


@pytest.fixture
def routed_to_a(people) -> RoutingRule:
    """Questions that mention an order land in queue A (E100 answers it, E200 does not)."""
    return save_setting(RoutingRule(name="to A", keywords="order", queue=people.queue_a), actor=None)


@pytest.fixture
def question_in_a(routed_to_a, ask) -> Question:
    """A customer's question routed to queue A, open and free."""
    return ask("Where is my order?")
