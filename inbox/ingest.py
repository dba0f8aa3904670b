"""Ingestion: mentions of the official account become questions, with no duplicates and no gaps.

Steps, in this order:
1. page through the mentions newer than the stored cursor (network calls, outside any transaction);
2. store them oldest first (X pages newest first; a follow-up must never be stored before what it follows),
   in batches of one transaction each, keyed by post id, so a repeat is a no-op;
3. move the cursor to the newest id seen only after everything was stored, so a failure part-way
   (a 429 in the middle of paging, a crash) makes the next run read the same range again.

A 429 also pauses ingestion until X's reset time: runs before then ask X nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit import recorder
from channels.base import Channel, FoundPost, Mention, RateLimited

from . import escalations, search
from .drafts import mark_stale
from .models import CHANGED, Customer, MentionCursor, Post, Question, display_text
from .routing import Router
from .service_levels import ServiceLevels


@dataclass
class IngestResult:
    pages: int = 0
    new_questions: int = 0
    follow_ups: int = 0
    repeats: int = 0
    paused_until: datetime | None = None


def _id_key(post_id: str) -> tuple[int, str]:
    # Snowflake ids: a longer id is newer; equal lengths compare as text.
    return (len(post_id), post_id)


def ingest_mentions(channel: Channel, *, page_size: int = 100, now: datetime | None = None) -> IngestResult:
    cursor, _created = MentionCursor.objects.get_or_create(account_id=channel.account_id)
    if cursor.paused_until and cursor.paused_until > (now or timezone.now()):
        return IngestResult(paused_until=cursor.paused_until)
    since_id = cursor.since_id or None
    result = IngestResult()
    newest: str | None = None
    token: str | None = None
    router = Router()
    fetched: dict[str, Mention] = {}
    while True:
        try:
            page = channel.mentions(since_id=since_id, pagination_token=token, max_results=page_size)
        except RateLimited as limited:
            MentionCursor.objects.filter(account_id=channel.account_id).update(paused_until=limited.reset_at)
            raise
        result.pages += 1
        if page.newest_id and (newest is None or _id_key(page.newest_id) > _id_key(newest)):
            newest = page.newest_id
        fetched.update((m.id, m) for m in page.mentions)
        token = page.next_token
        if not token:
            break
    oldest_first = sorted(fetched.values(), key=lambda m: _id_key(m.id))
    for start in range(0, len(oldest_first), page_size):
        _store_page(oldest_first[start : start + page_size], router, result)
    if newest:
        _advance_cursor(channel.account_id, newest)
    return result


def ingest_found_posts(posts: list[FoundPost], *, page_size: int = 100) -> IngestResult:
    """Posts found elsewhere than the mentions timeline (a listening stream's hits) join the desk as mentions do when
    they summon the account (mention or quote it), and only then: X refuses API replies to any other post. Stored
    oldest first, keyed by post id, so a post the mentions poll already brought in (or brings in later) is a
    question once."""
    result = IngestResult()
    router = Router()
    mentions = {post.id: post.as_mention() for post in posts if post.summons_account}
    oldest_first = sorted(mentions.values(), key=lambda m: _id_key(m.id))
    for start in range(0, len(oldest_first), page_size):
        _store_page(oldest_first[start : start + page_size], router, result)
    return result


@transaction.atomic(durable=True)
def _advance_cursor(account_id: str, newest: str) -> None:
    cursor = MentionCursor.objects.select_for_update().get(account_id=account_id)
    if not cursor.since_id or _id_key(newest) > _id_key(cursor.since_id):
        cursor.since_id = newest
        cursor.save(update_fields=["since_id", "updated_at"])


@transaction.atomic(durable=True)
def _store_page(mentions: list[Mention], router: Router, result: IngestResult) -> None:
    known = set(Post.objects.filter(network_id__in=[m.id for m in mentions]).values_list("network_id", flat=True))
    fresh = sorted((m for m in mentions if m.id not in known), key=lambda m: _id_key(m.id))
    result.repeats += len(mentions) - len(fresh)
    if not fresh:
        return
    customers = _upsert_customers(fresh)
    levels = ServiceLevels()
    # Locked, so that a reply being sent cannot answer a question while a follow-up joins it unseen.
    open_by_conversation = {
        (q.conversation_id, q.customer_id): q
        for q in Question.objects.select_for_update()
        .filter(
            conversation_id__in={m.conversation_id for m in fresh},
            customer__in=customers.values(),
        )
        .order_by("created_at")
    }
    # First pass: each post joins a known question, or starts one (created below in one INSERT).
    new_questions: dict[tuple[str, int], Question] = {}
    owners: list[tuple[Mention, tuple[str, int]]] = []
    reopened: list[Question] = []
    for mention in fresh:
        key = (mention.conversation_id, customers[mention.author.id].pk)
        if key in new_questions:
            new_questions[key].last_post_id = mention.id
            new_questions[key].search_text = search.with_post(new_questions[key].search_text, mention.text)
            result.follow_ups += 1
        elif key in open_by_conversation:
            _join_follow_up(open_by_conversation[key], mention, reopened, levels)
            result.follow_ups += 1
        else:
            route = router.route(mention.text)
            new_questions[key] = Question(
                queue=route.queue,
                priority=route.priority,
                routing_rule=route.rule,
                customer_id=key[1],
                source_post_id=mention.id,
                conversation_id=mention.conversation_id,
                last_post_id=mention.id,
                asked_text=display_text(mention.text),
                search_text=search.search_text(mention.author.username, [mention.text]),
                created_at=mention.created_at,
                **_round_times(levels, route.queue.pk, route.priority, mention.created_at),
            )
        owners.append((mention, key))
    Question.objects.bulk_create(new_questions.values())
    result.new_questions += len(new_questions)
    questions = {**open_by_conversation, **new_questions}
    Post.objects.bulk_create(
        [
            Post(
                question=questions[key],
                network_id=m.id,
                author=Post.Author.CUSTOMER,
                text=m.text,
                created_at=m.created_at,
            )
            for m, key in owners
        ],
        ignore_conflicts=True,
    )
    recorder.record(
        "inbox.mentions.ingested",
        actor=None,
        target_type="inbox.mentioncursor",
        # Stored as written, in English like every label of the trail; the compliance pages say it again in the
        # reader's language from `posts` (audit.views._target_text).
        target_label=f"{len(fresh)} post" if len(fresh) == 1 else f"{len(fresh)} posts",
        after={"posts": len(fresh), "newest_id": fresh[-1].id, "reopened": [q.pk for q in reopened]},
    )


def _round_times(levels: ServiceLevels, queue_id: int, priority: int, waiting_since: datetime) -> dict:
    deadlines = levels.deadlines(queue_id, priority, waiting_since)
    return {
        "waiting_since": waiting_since,
        "due_at": deadlines.due_at,
        "warn_at": deadlines.warn_at,
        "overdue": Question.Overdue.ON_TIME,
    }


def _join_follow_up(question: Question, mention: Mention, reopened: list[Question], levels: ServiceLevels) -> None:
    """A follow-up becomes the post to answer; it reopens an answered or closed question for a new round,
    whose service level counts from the follow-up, and makes a reply awaiting approval stale. On a question a
    department has, it goes to the department: the question stays escalated."""
    question.search_text = search.with_post(question.search_text, mention.text)
    if _id_key(mention.id) <= _id_key(question.last_post_id):
        # An earlier post that arrived late: searchable, but not the one to answer.
        Question.objects.filter(pk=question.pk).update(search_text=question.search_text)
        return
    fields = {"last_post_id": mention.id, "search_text": question.search_text}
    if question.department_id is not None:
        escalations.customer_wrote(question, post_id=mention.id, at=mention.created_at)
    elif question.status != Question.Status.OPEN:
        fields.update(
            status=Question.Status.OPEN,
            round=question.round + 1,
            answered_at=None,
            **_round_times(levels, question.queue_id, question.priority, mention.created_at),
        )
        reopened.append(question)
    Question.objects.filter(pk=question.pk).update(**fields, **CHANGED)
    for name, value in fields.items():
        setattr(question, name, value)
    if question.awaiting_approval:
        # An approval of the waiting reply would answer a conversation its approver never saw.
        mark_stale(question, new_post_id=mention.id, now=timezone.now())
        question.awaiting_approval = False


def _upsert_customers(mentions: list[Mention]) -> dict[str, Customer]:
    authors = {m.author.id: m.author for m in mentions}
    Customer.objects.bulk_create(
        [Customer(network_id=a.id, handle=a.username, name=a.name) for a in authors.values()],
        update_conflicts=True,
        unique_fields=["network_id"],
        update_fields=["handle", "name"],
    )
    return {c.network_id: c for c in Customer.objects.filter(network_id__in=authors)}
