"""Ingestion: mentions per second from the fake X server into questions, in pages of 100 (MISSION.md, "Targets").

Seeds the fake X with 10,000 mentions from 2,000 customers (a tenth of them follow-ups in the customer's own
conversation), then, in the same run:

1. baseline, fetch: the same pages read through the desk's X channel (tweepy, the fake X), stored nowhere;
2. baseline, bare insert: the same rows (customers, questions, posts) written with plain SQL, one transaction
   per page of 100, oldest first, no routing, no service levels, no audit entry;
3. the desk: inbox.ingest.ingest_mentions(channel, page_size=100) on empty tables.

ratio = ingest rate / the rate of 1 and 2 done one after the other (the same work done bare).

    .venv/bin/python bench/ingest.py
    .venv/bin/python bench/ingest.py --mentions 2000 --customers 400
"""

import argparse
import random
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from common import bench_setup, figures, reset_desk_tables, say, table, timed

if TYPE_CHECKING:
    from channels.base import Mention
    from channels.x import XChannel
    from demo.fake_x import FakeX

# Routing rules the benchmark owns, so that the router has keywords to match (unmatched texts go to the default).
ROUTES = {
    "Bench ingest orders": ["delivery", "order", "届きません", "注文"],
    "Bench ingest returns": ["return", "refund", "返品", "返金"],
    "Bench ingest repairs": ["broken", "repair", "故障", "修理"],
}
TEXTS = [
    "注文した商品がまだ届きません。確認をお願いします。",
    "My order has not arrived yet, can you check the delivery?",
    "返品したいのですが、手続きを教えてください。",
    "How do I return a product I bought last week? I want a refund.",
    "購入したイヤホンが故障しました。修理できますか?",
    "My headphones are broken, where can I get a repair?",
    "ポイントカードの使い方を教えてください。",
    "Are you open on Sunday?",
]
FOLLOW_UPS = ["追加で質問です。まだ返事がありません。", "Any update on this?", "ありがとうございます、助かります。"]


@dataclass
class SeededMentions:
    total: int
    roots: int
    follow_ups: int


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mentions", type=int, default=10_000, help="mentions in the fake X")
    parser.add_argument("--customers", type=int, default=2_000, help="customers who wrote them")
    parser.add_argument("--follow-up-share", type=float, default=0.1, help="share of mentions that are follow-ups")
    parser.add_argument("--page-size", type=int, default=100, help="mentions per page (X allows 5..100)")
    parser.add_argument("--seed", type=int, default=20261125, help="random seed of the generated mentions")
    args = parser.parse_args()
    if not 5 <= args.page_size <= 100:
        parser.error("--page-size must be between 5 and 100, as on X")
    if args.mentions < 1 or args.customers < 1:
        parser.error("--mentions and --customers must be positive")
    if not 0 <= args.follow_up_share < 1:
        parser.error("--follow-up-share must be in [0, 1)")
    return args


# --- the fake X's mentions ---------------------------------------------------------------------------------


def seed_fake_x(fake: "FakeX", args: argparse.Namespace) -> SeededMentions:
    """Mentions through the fake's own FakeX.mention, as the tests make them (fast enough: about 0.1 ms each)."""
    rng = random.Random(args.seed)
    customers = [f"bench_customer_{n:05d}" for n in range(args.customers)]
    asked: dict[str, list[str]] = {}  # customer -> the ids of their questions' first posts
    seeded = SeededMentions(total=args.mentions, roots=0, follow_ups=0)
    for n in range(args.mentions):
        customer = rng.choice(customers)
        earlier = asked.get(customer)
        if earlier and rng.random() < args.follow_up_share:
            fake.mention(customer, f"{rng.choice(FOLLOW_UPS)} ({n})", in_reply_to=rng.choice(earlier))
            seeded.follow_ups += 1
        else:
            asked.setdefault(customer, []).append(fake.mention(customer, f"{rng.choice(TEXTS)} ({n})"))
            seeded.roots += 1
        if (n + 1) % 5_000 == 0:
            say(f"  {n + 1:,} / {args.mentions:,} mentions")
    return seeded


# --- the desk's side ---------------------------------------------------------------------------------------


def prepare_routing() -> None:
    from inbox.models import Queue, RoutingRule

    for position, (queue_name, keywords) in enumerate(ROUTES.items()):
        queue, _created = Queue.objects.get_or_create(name=queue_name, defaults={"description": "bench/ingest.py"})
        RoutingRule.objects.update_or_create(
            name=queue_name,
            defaults={"keywords": "\n".join(keywords), "queue": queue, "priority": 2, "position": position},
        )


def empty_desk(account_id: str) -> None:
    from inbox.models import MentionCursor

    reset_desk_tables()
    MentionCursor.objects.filter(account_id=account_id).delete()


def fetch_pages(channel: "XChannel", page_size: int) -> tuple[list["Mention"], int]:
    """Baseline 1: page through every mention as ingestion does, keeping them in memory only."""
    mentions, pages, token = [], 0, None
    while True:
        page = channel.mentions(since_id=None, pagination_token=token, max_results=page_size)
        pages += 1
        mentions += page.mentions
        token = page.next_token
        if not token:
            return mentions, pages


def bare_insert(mentions: list["Mention"], page_size: int, queue_id: int) -> tuple[int, int]:
    """Baseline 2: the rows ingestion writes (customers upserted, a question per new conversation and customer, a
    post per mention, the question's last post moved on by a follow-up), one set-based statement each (arrays
    unnested), one transaction per page, oldest first; returns (questions, posts)."""
    from django.db import connection, transaction

    oldest_first = sorted(mentions, key=lambda m: (len(m.id), m.id))
    question_of: dict[tuple[str, str], int] = {}  # (conversation, customer network id) -> question id
    posts = 0
    for start in range(0, len(oldest_first), page_size):
        page = oldest_first[start : start + page_size]
        with transaction.atomic(), connection.cursor() as cursor:
            authors = list({m.author.id: m.author for m in page}.values())
            cursor.execute(
                """
                INSERT INTO inbox_customer (network_id, handle, name, first_seen_at)
                SELECT network_id, handle, name, now() FROM unnest(%s::text[], %s::text[], %s::text[])
                    AS author (network_id, handle, name)
                ON CONFLICT (network_id) DO UPDATE SET handle = EXCLUDED.handle, name = EXCLUDED.name
                RETURNING network_id, id
                """,
                [[a.id for a in authors], [a.username for a in authors], [a.name for a in authors]],
            )
            customer_ids = dict(cursor.fetchall())
            new: dict[tuple[str, str], list] = {}
            joined: dict[int, str] = {}  # question id of an earlier page -> its newest post
            for mention in page:
                key = (mention.conversation_id, mention.author.id)
                if key in question_of:
                    joined[question_of[key]] = mention.id
                else:
                    new.setdefault(key, []).append(mention)
            if new:
                groups = list(new.items())
                cursor.execute(
                    """
                    INSERT INTO inbox_question (queue_id, customer_id, status, priority, source_post_id,
                        conversation_id, last_post_id, round, created_at, received_at, waiting_since, due_at, warn_at,
                        overdue)
                    SELECT %s, customer_id, 'open', 1, source_post_id, conversation_id, last_post_id, 1, created_at,
                        now(), created_at, created_at + interval '2 hours', created_at + interval '4 hours', 0
                    FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::timestamptz[])
                        AS asked (customer_id, source_post_id, conversation_id, last_post_id, created_at)
                    RETURNING source_post_id, id
                    """,
                    [
                        queue_id,
                        [customer_ids[author_id] for (_conversation, author_id), _group in groups],
                        [group[0].id for _key, group in groups],
                        [conversation_id for (conversation_id, _author), _group in groups],
                        [group[-1].id for _key, group in groups],
                        [group[0].created_at for _key, group in groups],
                    ],
                )
                by_source = dict(cursor.fetchall())
                for key, group in groups:
                    question_of[key] = by_source[group[0].id]
            if joined:
                cursor.execute(
                    """
                    UPDATE inbox_question SET last_post_id = joined.post
                    FROM unnest(%s::bigint[], %s::text[]) AS joined (id, post) WHERE inbox_question.id = joined.id
                    """,
                    [list(joined), list(joined.values())],
                )
            cursor.execute(
                """
                INSERT INTO inbox_post (question_id, network_id, author, text, created_at)
                SELECT question_id, network_id, 'customer', text, created_at
                FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[])
                    AS post (question_id, network_id, text, created_at)
                ON CONFLICT (network_id) DO NOTHING
                """,
                [
                    [question_of[(m.conversation_id, m.author.id)] for m in page],
                    [m.id for m in page],
                    [m.text for m in page],
                    [m.created_at for m in page],
                ],
            )
            posts += cursor.rowcount
    return len(question_of), posts


def stored_counts() -> tuple[int, int]:
    from inbox.models import Post, Question

    return Question.objects.count(), Post.objects.count()


def main() -> None:
    args = parse_args()
    say("Setting up the benchmark database")
    bench_setup()
    from django.conf import settings

    from channels.x import x_channel_from_settings
    from demo.fake_x import FakeX
    from inbox.ingest import ingest_mentions
    from inbox.routing import Router

    prepare_routing()
    default_queue = Router().default_queue()
    with FakeX() as fake:
        # As tests/conftest.py's fake_x fixture: the real tweepy client, pointed at the fake on loopback.
        settings.X_API_BASE_URL = fake.url
        settings.X_ACCOUNT_ID = fake.account_id
        settings.X_ACCOUNT_USERNAME = fake.account_username
        settings.X_REQUEST_TIMEOUT = 30.0
        say(f"Seeding the fake X with {args.mentions:,} mentions from {args.customers:,} customers")
        seeded = seed_fake_x(fake, args)
        say(f"  {seeded.roots:,} new questions and {seeded.follow_ups:,} follow-ups")
        channel = x_channel_from_settings()

        say(f"Baseline 1: fetching every page of {args.page_size} through the X channel, storing nothing")
        with timed() as fetching:
            mentions, pages = fetch_pages(channel, args.page_size)
        if len(mentions) != seeded.total:
            sys.exit(f"the channel returned {len(mentions):,} mentions, the fake holds {seeded.total:,}")
        say(f"  {pages} pages in {fetching['seconds']:.2f} s")

        say(f"Baseline 2: inserting the same rows with plain SQL, one transaction per {args.page_size}")
        empty_desk(fake.account_id)
        with timed() as inserting:
            bare_questions, bare_posts = bare_insert(mentions, args.page_size, default_queue.pk)
        if (bare_questions, bare_posts) != (seeded.roots, seeded.total) or stored_counts() != (
            seeded.roots,
            seeded.total,
        ):
            sys.exit(
                f"the bare insert stored {stored_counts()} (questions, posts), expected {seeded.roots, seeded.total}"
            )
        say(f"  {bare_posts:,} posts, {bare_questions:,} questions in {inserting['seconds']:.2f} s")

        say(f"The desk: ingest_mentions(channel, page_size={args.page_size}) on empty tables")
        empty_desk(fake.account_id)
        with timed() as ingesting:
            result = ingest_mentions(channel, page_size=args.page_size)
        say(f"  {result.pages} pages in {ingesting['seconds']:.2f} s")

    questions, posts = stored_counts()
    if (questions, posts) != (seeded.roots, seeded.total) or result.new_questions != seeded.roots:
        sys.exit(
            f"ingestion stored {questions:,} questions and {posts:,} posts (reported {result.new_questions:,} new, "
            f"{result.follow_ups:,} follow-ups); expected {seeded.roots:,} and {seeded.total:,}"
        )
    if result.follow_ups != seeded.follow_ups or result.repeats:
        say(f"note: ingestion reported {result.follow_ups:,} follow-ups and {result.repeats:,} repeats")

    total = seeded.total
    fetch_rate = total / fetching["seconds"]
    insert_rate = total / inserting["seconds"]
    baseline_seconds = fetching["seconds"] + inserting["seconds"]
    baseline_rate = total / baseline_seconds
    ingest_rate = total / ingesting["seconds"]
    # ingest_mentions fetches every page before storing any; its time less the bare fetch's estimates its storing.
    store_seconds = max(ingesting["seconds"] - fetching["seconds"], 1e-9)
    store_rate = total / store_seconds
    ratio = ingest_rate / baseline_rate
    table(
        ["run", "mentions", "seconds", "mentions/s", "questions created"],
        [
            ["baseline 1: fetch pages through the channel, store nothing", total, fetching["seconds"], fetch_rate, 0],
            [
                "baseline 2: bare set-based INSERTs of the same rows",
                total,
                inserting["seconds"],
                insert_rate,
                bare_questions,
            ],
            ["baseline: 1 then 2 (the same work done bare)", total, baseline_seconds, baseline_rate, bare_questions],
            ["desk: ingest_mentions (fetch, route, store, audit)", total, ingesting["seconds"], ingest_rate, questions],
            ["  desk storing only (ingest less baseline 1), estimate", total, store_seconds, store_rate, questions],
        ],
    )
    say(
        f"{total:,} mentions ({seeded.follow_ups:,} follow-ups) from {args.customers:,} customers, pages of "
        f"{args.page_size}; ratio = ingest rate / baseline rate"
    )
    figures(
        mentions=total,
        customers=args.customers,
        page_size=args.page_size,
        questions_created=questions,
        follow_ups=result.follow_ups,
        ingest_mentions_per_s=ingest_rate,
        fetch_mentions_per_s=fetch_rate,
        bare_insert_mentions_per_s=insert_rate,
        baseline_mentions_per_s=baseline_rate,
        store_only_ratio=store_rate / insert_rate,
        ratio=ratio,
    )


if __name__ == "__main__":
    main()
