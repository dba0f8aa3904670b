"""Inbox search at 1,000,000 questions (README, "Search"): two-character Japanese words, customer handles and
order numbers, through `inbox.selectors.questions_for_inbox` as the inbox page calls it, for an employee in 5 of
20 queues; against, in the same run, the inbox's first page without a search (the page's floor) and the same
search as a plain substring test with no index (what the bigram index buys).

Seeds the questions inside the database: Japanese and English sentences from a small corpus (a word such as 返金
in about one question in twenty), an order number in most ("注文番号48213", "order #48213", "A-1234"), 200,000
customers; 100,000 questions open. The bigram index is dropped for the load and built again afterwards (as the
migration builds it on an existing desk), and that build is timed too.

    .venv/bin/python bench/search.py                                    # the full size, a few minutes
    .venv/bin/python bench/search.py --questions 100000 --open 10000 --customers 20000 --runs 20
"""

import argparse
import random
import statistics
import sys
import time

from common import bench_setup, figures, maintenance, reset_desk_tables, say, table, timed

QUEUE_NAME = "Bench search queue {:02d}"
ADMIN_NUMBER = "BENCHSA01"
EMPLOYEE_NUMBER = "BENCHSE01"
TARGET_MS = 100.0

# What customers write (normalised as inbox/search.py stores it: lower case, single spaces).
JAPANESE = [
    "注文した洗濯機がまだ届きません。いつ届きますか",
    "届いた掃除機が動きません。返金してもらえますか",
    "返金の手続きはどうなっていますか",
    "キャンセルした分の返金がまだ口座に入っていません",
    "サイズが合わないので交換をお願いしたいです",
    "色違いの商品と交換できますか",
    "領収書を発行してほしいのですが",
    "冷蔵庫が故障したので修理をお願いします",
    "配送日を変更したいです",
    "配達の時間帯を指定できますか",
    "ポイントが反映されていません",
    "アプリにログインできなくなりました",
    "パスワードを再設定してもエラーになります",
    "店舗の営業時間を教えてください",
    "日曜日も配送していますか",
    "保証期間はいつまでですか",
    "延長保証に入りたいのですが",
    "テレビの設置は無料ですか",
    "古い家電の引き取りはしてもらえますか",
    "クーポンが使えませんでした",
    "注文を取り消したいです",
    "届いた箱が潰れていました",
    "商品の説明と違うものが届きました",
    "カメラのレンズに傷がありました",
    "支払い方法を変更できますか",
    "分割払いはできますか",
    "在庫はいつ入荷しますか",
    "予約した商品の発売日はいつですか",
    "会員情報の住所を変更したいです",
    "メールが届きません",
]
ENGLISH = [
    "where is my order? it has not arrived yet",
    "the vacuum cleaner i bought does not work, can i get a refund",
    "how long does a refund take",
    "can i exchange this for a different size",
    "the camera arrived damaged",
    "do you deliver on weekends",
    "i need a receipt for my purchase",
    "my fridge is broken, how do i get it repaired",
    "is installation free",
    "i cannot log in to the app",
    "when will this be back in stock",
    "can i change the delivery address",
]
CLOSINGS = ["よろしくお願いします", "急ぎです", "困っています", "thanks", "please help", "", "", "明日までに必要です"]

# The searches measured: "注文" is in two questions of five, "返金" in one of fourteen, "領収" in one of forty;
# "寿司" and "電池" occur nowhere (the index must say so at once, not walk the list looking).
TWO_CHARACTER_WORDS = ["注文", "返金", "交換", "領収", "故障", "配送", "届き", "寿司", "電池"]
SEED_SQL = """
INSERT INTO inbox_question (queue_id, customer_id, status, priority, source_post_id, conversation_id, last_post_id,
    round, created_at, received_at, waiting_since, due_at, warn_at, overdue, answered_at, asked_text, search_text,
    version)
SELECT (%(queues)s::bigint[])[1 + n %% %(queue_count)s], c.id,
    CASE WHEN n <= %(answered)s THEN 'answered' ELSE 'open' END,
    n %% 4, 's' || n, 's' || n, 's' || n, 1,
    now() - make_interval(secs => %(total)s - n), now(), now() - make_interval(secs => %(total)s - n),
    now() + interval '1 day', now() + interval '2 days', 0,
    CASE WHEN n <= %(answered)s THEN now() ELSE NULL END,
    body, '@' || c.handle || ' ' || body, 1
FROM (
    SELECT n, first_customer + abs(hashint8(n * 7 + 1)) %% %(customers)s AS customer_id,
        rtrim((%(sentences)s::text[])[1 + abs(hashint8(n * 7 + 2)) %% %(sentence_count)s] || ' ' ||
        CASE abs(hashint8(n * 7 + 3)) %% 6
            WHEN 0 THEN '注文番号' || (10000 + abs(hashint8(n * 7 + 4)) %% 90000)
            WHEN 1 THEN '注文番号は' || (10000 + abs(hashint8(n * 7 + 4)) %% 90000) || 'です'
            WHEN 2 THEN 'order #' || (10000 + abs(hashint8(n * 7 + 4)) %% 90000)
            WHEN 3 THEN 'a-' || (1000 + abs(hashint8(n * 7 + 4)) %% 9000)
            WHEN 4 THEN '#' || (10000 + abs(hashint8(n * 7 + 4)) %% 90000)
            ELSE '' END || ' ' ||
        (%(closings)s::text[])[1 + abs(hashint8(n * 7 + 5)) %% %(closing_count)s]) AS body
    FROM generate_series(%(start)s, %(end)s) AS n,
        (SELECT min(id) AS first_customer FROM inbox_customer) AS customers
) AS generated
JOIN inbox_customer c ON c.id = generated.customer_id
"""
GRAMS_INDEX = "CREATE INDEX question_search_grams ON inbox_question USING gin (inbox_search_grams(search_text))"


def percentile(ordered: list[float], percent: float) -> float:
    """Nearest rank, as bench/inbox.py reads its latencies."""
    if not ordered:
        return float("nan")
    return ordered[max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered) + 0.5) - 1))]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=1_000_000, help="questions in the database")
    parser.add_argument("--open", type=int, default=100_000, help="of which open (the newest)")
    parser.add_argument("--customers", type=int, default=200_000, help="customers the questions come from")
    parser.add_argument("--queues", type=int, default=20, help="queues the questions are spread over")
    parser.add_argument("--granted", type=int, default=5, help="queues the employee may answer")
    parser.add_argument("--runs", type=int, default=60, help="searches measured per kind")
    parser.add_argument("--chunk", type=int, default=100_000, help="questions per INSERT")
    parser.add_argument(
        "--keep-data",
        action="store_true",
        help="measure the questions an earlier run seeded (when as many are there); the index is built again",
    )
    return parser.parse_args()


def prepare_queues(count: int) -> list:
    from inbox import configuration
    from inbox.models import Queue

    queues = []
    for number in range(1, count + 1):
        name = QUEUE_NAME.format(number)
        queue = Queue.objects.filter(name=name).first()
        if queue is None:
            queue = configuration.save_setting(Queue(name=name, description="bench/search.py"), actor=None)
        queues.append(queue)
    return queues


def prepare_employee(granted: list):
    """An active employee allowed exactly the `granted` queues, made through the services."""
    import secrets

    from accounts import services
    from accounts.models import Employee, Role
    from inbox.access import queues_for

    password = secrets.token_urlsafe(24)
    admin = Employee.objects.filter(employee_number=ADMIN_NUMBER).first()
    if admin is None:
        admin = Employee.objects.create_superuser(
            employee_number=ADMIN_NUMBER, email="bench-search-admin@example.com", password=password
        )
    employee = Employee.objects.filter(employee_number=EMPLOYEE_NUMBER).first()
    if employee is None:
        employee = Employee(employee_number=EMPLOYEE_NUMBER, email="bench-search@example.com")
        employee.set_password(password)
        services.register_employee(employee)
        return services.approve_employee(employee, actor=admin, role=Role.EMPLOYEE, queues=granted)
    wanted = {q.pk for q in granted}
    for queue in queues_for(employee):
        if queue.pk not in wanted:
            services.revoke_queue(employee, queue, actor=admin)
    for queue in granted:
        services.grant_queue(employee, queue, actor=admin)
    return employee


def seed(args: argparse.Namespace, queue_ids: list[int]) -> None:
    """Customers, then questions in chunks, without the bigram index (built afterwards, timed)."""
    from django.db import connection

    from inbox.search import normalised

    sentences = [normalised(text) for text in JAPANESE + ENGLISH]
    closings = [normalised(text) for text in CLOSINGS]
    with maintenance() as session:
        session.execute("DROP INDEX IF EXISTS question_search_grams")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inbox_customer (network_id, handle, name, first_seen_at) "
            "SELECT 's' || c, 'user' || c || '_' || substr(md5(c::text), 1, 3), '', now() "
            "FROM generate_series(1, %s) AS c",
            [args.customers],
        )
        say(f"  {args.customers:,} customers")
        for start in range(1, args.questions + 1, args.chunk):
            end = min(start + args.chunk - 1, args.questions)
            cursor.execute(
                SEED_SQL,
                {
                    "queues": queue_ids,
                    "queue_count": len(queue_ids),
                    "answered": args.questions - args.open,
                    "total": args.questions,
                    "customers": args.customers,
                    "sentences": sentences,
                    "sentence_count": len(sentences),
                    "closings": closings,
                    "closing_count": len(closings),
                    "start": start,
                    "end": end,
                },
            )
            say(f"  {end:,} / {args.questions:,} questions")


def build_index() -> float:
    with maintenance() as session, timed() as t:
        session.execute("SET maintenance_work_mem = '256MB'")
        session.execute(GRAMS_INDEX)
    return t["seconds"]


def sample(sql: str, params: list) -> list:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def measure(employee, queue_ids: list[int], queries: list[str], **filters) -> tuple[list[float], list[int]]:
    """Each query once through the inbox's selector; milliseconds, and the rows each page got."""
    from inbox import selectors

    latencies, found = [], []
    for query in queries:
        started = time.perf_counter()
        page = selectors.questions_for_inbox(employee, queue_ids, selectors.InboxFilters(search=query, **filters))
        latencies.append((time.perf_counter() - started) * 1000)
        found.append(len(page.questions))
    return latencies, found


def unindexed(queue_ids: list[int], word: str, runs: int) -> list[float]:
    """The same search as a substring test alone: what PostgreSQL does without the bigram index."""
    from django.db import connection

    latencies = []
    for _ in range(runs):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM inbox_question WHERE status = 'open' AND queue_id = ANY(%s) AND search_text LIKE %s "
                "ORDER BY priority DESC, waiting_since, id LIMIT 26",
                [queue_ids, f"%{word}%"],
            )
            cursor.fetchall()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def plan(queue_ids: list[int], query: str, status: str = "open") -> str:
    """The plan of search's index step (inbox.search.first_matches, step 2) for `query`."""
    from django.db import connection, transaction

    from inbox import search
    from inbox.models import Question

    questions = search.matching(Question.objects.filter(queue_id__in=queue_ids, status=status), query)
    with transaction.atomic(), connection.cursor() as cursor:
        search._plan_with(cursor, "off")
        return questions.order_by("-waiting_since", "-id").values_list("pk", flat=True)[:26].explain(analyze=True)


def grams_cost_us(rows: int = 20_000) -> float:
    """What PostgreSQL spends making one question's terms: paid by every write that adds an index entry (a new
    question, a follow-up, and a claim, since a claim's UPDATE changes indexed columns and is not HOT)."""
    from django.db import connection

    with connection.cursor() as cursor, timed() as t:
        cursor.execute(
            "SELECT sum(length(inbox_search_grams(search_text))) FROM "
            "(SELECT search_text FROM inbox_question ORDER BY id LIMIT %s) AS sampled",
            [rows],
        )
        cursor.fetchone()
    return t["seconds"] / rows * 1e6


def row(label: str, latencies: list[float], found: list[int] | None = None) -> list:
    ordered = sorted(latencies)
    return [
        label,
        len(ordered),
        percentile(ordered, 50),
        percentile(ordered, 95),
        max(ordered),
        statistics.mean(found) if found else "",
    ]


def main() -> None:
    args = parse_args()
    rng = random.Random(14)
    say("Setting up the benchmark database")
    bench_setup()
    from django.db import connection

    from inbox.models import Question

    keep = args.keep_data and Question.objects.count() == args.questions
    if not keep:
        say("Emptying the desk's tables")
        reset_desk_tables()
    queues = prepare_queues(args.queues)
    granted_ids = [q.pk for q in queues[: args.granted]]
    if keep:
        say(f"Keeping the {args.questions:,} questions seeded before; building the bigram index again")
        with maintenance() as session:
            session.execute("DROP INDEX IF EXISTS question_search_grams")
    else:
        say(f"Seeding {args.questions:,} questions ({args.open:,} open) over {args.queues} queues")
        with timed() as seeding:
            seed(args, [q.pk for q in queues])
        say(f"  seeded in {seeding['seconds']:.1f} s; building the bigram index")
    build_seconds = build_index()
    say(f"  index built in {build_seconds:.1f} s; VACUUM ANALYZE")
    with maintenance() as session:
        session.execute("VACUUM ANALYZE inbox_question")
        session.execute("VACUUM ANALYZE inbox_customer")
    employee = prepare_employee(queues[: args.granted])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_relation_size('inbox_question'), pg_relation_size('question_search_grams'), "
            "(SELECT count(*) FROM inbox_question WHERE status = 'open' AND queue_id = ANY(%s))",
            [granted_ids],
        )
        table_bytes, index_bytes, visible = cursor.fetchone()
    say(
        f"Employee {employee} may answer {args.granted} queues ({visible:,} open questions); table "
        f"{table_bytes / 2**20:,.0f} MB, bigram index {index_bytes / 2**20:,.0f} MB"
    )

    words = [TWO_CHARACTER_WORDS[i % len(TWO_CHARACTER_WORDS)] for i in range(args.runs)]
    # Handles and order numbers of questions the employee may see (open, in the granted queues): each search finds.
    handles = [
        f"@{handle}"
        for handle in sample(
            "SELECT c.handle FROM inbox_question q JOIN inbox_customer c ON c.id = q.customer_id "
            "WHERE q.status = 'open' AND q.queue_id = ANY(%s) ORDER BY random() LIMIT %s",
            [granted_ids, args.runs],
        )
    ]
    numbers = sample(
        "SELECT substring(search_text from '(#[0-9]{5}|注文番号は?[0-9]{5}|a-[0-9]{4})') FROM inbox_question "
        "WHERE status = 'open' AND queue_id = ANY(%s) "
        "AND search_text ~ '(#[0-9]{5}|注文番号は?[0-9]{5}|a-[0-9]{4})' ORDER BY random() LIMIT %s",
        [granted_ids, args.runs],
    )
    numbers = ["#" + number.removeprefix("注文番号は").removeprefix("注文番号").lstrip("#") for number in numbers]
    rng.shuffle(words)

    say("Warming up (one pass of every kind, not measured)")
    for queries in (words, handles, numbers):
        measure(employee, granted_ids, queries)
    measure(employee, granted_ids, [""] * 10)

    say(f"Measuring: {args.runs} searches of each kind, open questions of the employee's queues")
    results = {
        "two-character Japanese words": measure(employee, granted_ids, words),
        "customer handles": measure(employee, granted_ids, handles),
        "order numbers": measure(employee, granted_ids, numbers),
        "one character (返)": measure(employee, granted_ids, ["返"] * max(10, args.runs // 4)),
        "two-character words, answered questions": measure(employee, granted_ids, words, status="answered"),
        "inbox first page, no search (the floor)": measure(employee, granted_ids, [""] * args.runs),
    }
    per_word = {word: measure(employee, granted_ids, [word] * 10) for word in TWO_CHARACTER_WORDS}
    say("A common and a missing word as a substring test without the index, 3 runs each")
    no_index = {word: unindexed(granted_ids, word, 3) for word in ("返金", "寿司")}

    table(
        ["search (selector, end to end)", "runs", "p50 ms", "p95 ms", "max ms", "rows found (avg)"],
        [row(label, *result) for label, result in results.items()]
        + [row(f"{word} without the index (substring test only)", lat) for word, lat in no_index.items()],
    )
    table(
        ["word", "p50 ms", "p95 ms", "rows found"],
        [
            [word, percentile(sorted(lat), 50), percentile(sorted(lat), 95), found[0]]
            for word, (lat, found) in per_word.items()
        ],
    )
    grams_us = grams_cost_us()
    say(f"Terms of one question made by PostgreSQL: {grams_us:.1f} µs (paid by each write that adds index entries)")
    for label, query in (("a word found nowhere", "寿司"), ("handle", handles[0]), ("order number", numbers[0])):
        say(f"Plan of the index step for {label} ({query}), among answered questions:")
        print("\n".join("    " + line for line in plan(granted_ids, query, "answered").splitlines()[:16]), flush=True)

    p95 = {label: percentile(sorted(latencies), 95) for label, (latencies, _found) in results.items()}
    worst = max(p95["two-character Japanese words"], p95["customer handles"], p95["order numbers"])
    say(f"Worst p95 of the three kinds: {worst:.1f} ms (target: well under {TARGET_MS:g} ms)")
    figures(
        questions=args.questions,
        open=args.open,
        visible_open=visible,
        words_p50_ms=percentile(sorted(results["two-character Japanese words"][0]), 50),
        words_p95_ms=p95["two-character Japanese words"],
        handles_p50_ms=percentile(sorted(results["customer handles"][0]), 50),
        handles_p95_ms=p95["customer handles"],
        numbers_p50_ms=percentile(sorted(results["order numbers"][0]), 50),
        numbers_p95_ms=p95["order numbers"],
        one_char_p95_ms=p95["one character (返)"],
        answered_words_p95_ms=p95["two-character words, answered questions"],
        floor_p95_ms=p95["inbox first page, no search (the floor)"],
        no_index_common_p50_ms=percentile(sorted(no_index["返金"]), 50),
        no_index_missing_p50_ms=percentile(sorted(no_index["寿司"]), 50),
        index_mb=index_bytes / 2**20,
        index_build_s=build_seconds,
        grams_us=grams_us,
    )
    if worst >= TARGET_MS:
        sys.exit(1)


if __name__ == "__main__":
    main()
