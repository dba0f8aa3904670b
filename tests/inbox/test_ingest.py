"""Mentions of the official account become questions: no duplicates, no gaps, through the real tweepy client."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from channels.base import RateLimited
from inbox import configuration
from inbox.ingest import ingest_mentions
from inbox.models import MentionCursor, Post, Priority, Question, RoutingRule
from tests import cast


def test_every_mention_becomes_one_question_across_pages(db, fake_x, channel):
    ids = [fake_x.mention(f"customer{i % 7}", f"Question number {i} about my order") for i in range(250)]
    result = ingest_mentions(channel, page_size=100)
    assert result.pages == 3
    assert Post.objects.count() == 250
    assert set(Post.objects.values_list("network_id", flat=True)) == set(ids)
    assert MentionCursor.objects.get().since_id == max(ids, key=lambda i: (len(i), i))


def test_a_second_run_reads_only_what_is_new(db, fake_x, channel):
    fake_x.mention("sato", "Where is my order?")
    ingest_mentions(channel)
    fake_x.clear_requests()
    newer = fake_x.mention("suzuki", "修理の受付時間を教えてください")
    result = ingest_mentions(channel)
    assert result.new_questions == 1
    request = [r for r in fake_x.requests if "mentions" in r.path][0]
    assert request.params.get("since_id")
    assert Question.objects.count() == 2
    assert Post.objects.filter(network_id=newer).exists()


def test_empty_result_changes_nothing(db, fake_x, channel):
    result = ingest_mentions(channel)
    assert result.pages == 1 and result.new_questions == 0
    assert not Question.objects.exists()
    assert MentionCursor.objects.get().since_id == ""


def test_repeated_delivery_is_a_no_op(db, fake_x, channel):
    for i in range(5):
        fake_x.mention("sato", f"question {i}")
    ingest_mentions(channel)
    # A restart that lost its cursor reads the same mentions again.
    MentionCursor.objects.update(since_id="")
    result = ingest_mentions(channel)
    assert result.repeats == 5 and result.new_questions == 0
    assert Question.objects.count() == 5 and Post.objects.count() == 5


def test_rate_limit_in_the_middle_of_paging_leaves_the_cursor_and_loses_nothing(db, fake_x, channel):
    ids = [fake_x.mention(f"c{i}", f"question {i}") for i in range(30)]
    fake_x.faults.queue("rate_limit", path_prefix="/2/users", after=1)
    with pytest.raises(RateLimited):
        ingest_mentions(channel, page_size=10)
    assert MentionCursor.objects.get().since_id == ""
    # Until X's reset time, a poll asks X nothing.
    paused = ingest_mentions(channel, page_size=10)
    assert paused.pages == 0 and paused.paused_until == MentionCursor.objects.get().paused_until
    assert paused.paused_until > timezone.now()
    # After the reset the same range is read again: every question once, none missing.
    ingest_mentions(channel, page_size=10, now=paused.paused_until + timedelta(seconds=1))
    assert set(Post.objects.values_list("network_id", flat=True)) == set(ids)
    assert Question.objects.count() == 30
    assert MentionCursor.objects.get().since_id == max(ids, key=lambda i: (len(i), i))


def test_follow_up_in_the_same_conversation_joins_its_question(db, fake_x, ask):
    question = ask("Is the store open on Sunday?", customer="yamada")
    follow_up = ask("Also, do you have parking?", customer="yamada", in_reply_to=question.source_post_id)
    assert follow_up.pk == question.pk
    question.refresh_from_db()
    assert question.posts.count() == 2
    assert question.last_post_id == question.posts.last().network_id


def test_another_customer_in_the_same_conversation_asks_a_new_question(db, fake_x, ask):
    question = ask("Is the store open on Sunday?", customer="yamada")
    other = ask("Same question here!", customer="ito", in_reply_to=question.source_post_id)
    assert other.pk != question.pk


def test_follow_up_reopens_an_answered_question_for_a_new_round(db, fake_x, ask):
    from inbox import claims, services

    queue_admin = cast.administrator()
    question = ask("返品できますか？", customer="kobayashi")
    employee = cast.approved("E300", by=queue_admin, role=Role.EMPLOYEE, queues=[question.queue])
    question = claims.claim(question, actor=employee)
    services.send_reply(question, actor=employee, token=str(question.claim_token), body="はい、30日以内です。")
    question.refresh_from_db()
    assert question.status == Question.Status.ANSWERED

    ask("レシートがなくても大丈夫ですか？", customer="kobayashi", in_reply_to=question.last_post_id)
    question.refresh_from_db()
    assert question.status == Question.Status.OPEN
    assert question.round == 2


def test_routing_rules_choose_queue_and_priority(db, fake_x, ask):
    from inbox.models import Queue

    returns = configuration.save_setting(Queue(name="Returns"), actor=None)
    configuration.save_setting(
        RoutingRule(name="returns", keywords="return\n返品", queue=returns, priority=Priority.HIGH), actor=None
    )
    routed = ask("How do I RETURN a broken kettle?")
    routed_ja = ask("返品の方法を教えてください", customer="mori")
    unrouted = ask("What time do you open?", customer="abe")
    assert (routed.queue, routed.priority) == (returns, Priority.HIGH)
    assert routed_ja.queue == returns
    assert unrouted.queue.name == "General" and unrouted.priority == Priority.NORMAL


def test_a_follow_up_fetched_with_its_question_is_stored_after_it(db, fake_x, channel):
    first = fake_x.mention("hayashi", "Can I change my delivery date?")
    for i in range(12):
        fake_x.mention(f"other{i}", f"unrelated {i}")
    follow_up = fake_x.mention("hayashi", "To the 12th, please", in_reply_to=first)
    ingest_mentions(channel, page_size=10)
    question = Question.objects.get(source_post_id=first)
    assert question.last_post_id == follow_up
    assert question.posts.count() == 2


def test_the_default_queue_cannot_be_renamed_away(db, ask):
    from django.core.exceptions import ValidationError

    general = ask("What time do you open?").queue
    general.name = "Misc"
    with pytest.raises(ValidationError):
        configuration.save_setting(general, actor=None)
