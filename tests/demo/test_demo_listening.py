"""The demo's listening: the seed's streams, made through the services, hear what the simulated people say about the
company without @mentioning it; each post is tagged with the routing rule of its topic; only a quote of the account's
post becomes a question."""

import itertools
from datetime import timedelta

import pytest
from django.core.management import call_command

from audit.models import AuditEntry
from demo.fake_x.customers import ANNOUNCEMENTS, COMPANY, PRODUCTS, STORES, TALK, CustomerSimulator
from demo.management.commands.seed_demo import STREAMS
from inbox.models import Question
from listening import polling
from listening.models import ListeningHit, ListeningStream, StreamVolume
from listening.topics import Topics

# The routing rule (seed_demo RULES) whose keywords each topic's posts hold; a store post holds none.
TOPIC_RULES = {
    "delivery": ["Orders and delivery"],
    "order": ["Orders and delivery"],
    "return": ["Returns and repairs"],
    "repair": ["Returns and repairs"],
    "warranty": ["Returns and repairs"],
    "payment": ["Payments and points"],
    "broken": ["Broken or unsafe"],
    "store": [],
}
QUOTES = [talk for announcement in ANNOUNCEMENTS for talk in announcement.quotes]


@pytest.fixture
def seeded(db, capsys):
    call_command("seed_demo")
    capsys.readouterr()


def _said(talk) -> list[str]:
    """The post as people write it, once for each product and store it can name."""
    texts = {
        talk.text.format(company=COMPANY[talk.lang], product=product, store=store)
        for product, store in itertools.product(PRODUCTS[talk.lang], STORES[talk.lang])
    }
    return sorted(texts)


@pytest.mark.parametrize("talk", TALK + QUOTES, ids=lambda t: f"{t.lang}-{t.topic}-{t.text[:30]}")
def test_each_post_about_the_company_is_tagged_with_the_rule_of_its_topic(seeded, talk):
    topics = Topics()
    tagged = {text: topics.of(text) for text in _said(talk)}
    assert tagged == dict.fromkeys(tagged, TOPIC_RULES[talk.topic])
    assert all(COMPANY[talk.lang] in text and "@" not in text for text in tagged)


def test_people_talk_in_both_languages_about_every_topic():
    assert {(t.lang, t.topic) for t in TALK} == set(itertools.product(("ja", "en"), TOPIC_RULES))
    assert {a.lang for a in ANNOUNCEMENTS} == {"ja", "en"}


def test_the_seed_makes_active_streams_through_the_services_once(seeded, capsys):
    call_command("seed_demo")  # a second run skips what exists
    capsys.readouterr()

    streams = ListeningStream.objects.order_by("pk")
    assert [(s.name, s.language, s.is_active) for s in streams] == [(n, lang, True) for n, _q, lang, *_ in STREAMS]
    assert all(s.poll_interval_minutes <= 2 and 100 <= s.daily_read_budget <= 1000 for s in streams)
    assert all("-from:replydesk_support" in s.query for s in streams)
    created = AuditEntry.objects.filter(action="listening.stream.created")
    assert sorted(created.values_list("actor_number", flat=True)) == ["A001", "A001"]


def test_the_seeded_streams_hear_the_simulated_talk_and_only_quotes_become_questions(seeded, fake_x, channel):
    simulator = CustomerSimulator(fake_x, seed=5, talk_rate=1.0, quote_rate=0.0)
    backlog = simulator.prefill_talk(days=7)
    talk = [simulator.maybe_talk() for _ in range(8)]
    quotes = [simulator.quote() for _ in range(4)]
    questions = simulator.prefill(3)  # @mentions: the inbox's, not the streams'

    polling.poll_due_streams(channel)

    hits = ListeningHit.objects.all()
    assert {hit.post_id for hit in hits} == {p.tweet_id for p in backlog + talk + quotes}
    assert {hit.post_id for hit in hits if hit.summons_account} == {p.tweet_id for p in quotes}
    assert not {hit.post_id for hit in hits} & {p.tweet_id for p in questions}
    assert {(hit.stream.language, hit.lang) for hit in hits} <= {("ja", "ja"), ("en", "en")}
    assert set(Question.objects.values_list("source_post_id", flat=True)) == {p.tweet_id for p in quotes}
    # The backlog spreads over the week, so the volume chart has more than today to show.
    assert all(StreamVolume.objects.filter(stream=s).count() > 24 for s in ListeningStream.objects.all())
    assert min(hit.posted_at for hit in hits) < max(hit.posted_at for hit in hits) - timedelta(days=5)


def test_now_and_then_is_neither_always_nor_never(fake_x):
    simulator = CustomerSimulator(fake_x, seed=11)
    said = [simulator.maybe_talk() for _ in range(200)]
    kinds = [post.kind for post in said if post is not None]
    assert 60 < len(kinds) < 140
    assert 0 < kinds.count("quote") < kinds.count("talk")
    assert all(fake_x.account_id not in fake_x.tweet(post.tweet_id).mentioned_user_ids for post in said if post)
