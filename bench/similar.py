"""Similar past answers on the compose page (README, "Similar past answers") at 1,000,000 questions: the lookup
`inbox.similar.similar_answers` as the compose page calls it, for an employee in 5 of 20 queues and for a
supervisor (every queue), against, in the same run, the inbox search of a two-character word among answered
questions (the search the lookup is built on).

The questions are bench/search.py's (Japanese and English sentences from a small corpus, 900,000 answered); each
answered question gets the reply X accepted for it. The questions looked up: open questions of the corpus (their
like is common, found among the newest answers), paraphrases the corpus does not hold (sharing a two-character word
such as 返金 or 保証), and questions whose words are rare or found nowhere (looked up in the whole history
through the bigram index).

    .venv/bin/python bench/similar.py                        # seeds 1,000,000 questions unless bench/search.py did
    .venv/bin/python bench/similar.py --questions 100000 --open 10000 --customers 20000
    .venv/bin/python bench/similar.py --sqlite 2000          # the embedded desk: a SQLite file, 2,000 questions
"""

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from common import figures, say, table

REPLIES = [
    "お問い合わせありがとうございます。ご注文番号をDMでお知らせいただけますか。確認いたします。",
    "ご不便をおかけしております。返金は手続き完了から5営業日ほどで口座に反映されます。",
    "交換は商品到着から8日以内に承っております。こちらのページからお申し込みください。",
    "修理のご依頼はサポートページの修理受付からお願いいたします。",
    "Thank you for reaching out. Could you send us your order number by DM so we can check?",
    "Refunds reach your account within 5 business days of the return being processed.",
]
PARAPHRASES = [
    "返金の方法を教えてください",
    "返金したいのですが、どうすればいいですか",
    "延長保証の料金はいくらですか",
    "洗濯機が届かないのですが",
    "掃除機の修理をお願いできますか",
    "パスワードを忘れました",
    "can i get my money back, it is broken",
    "how do i return the camera",
]
RARE = [
    "寿司の出前はありますか",
    "電池の交換はできますか",
    "ドライヤーの付属品が足りません",
    "the charger for my shaver is missing",
]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=1_000_000, help="questions in the database")
    parser.add_argument("--open", type=int, default=100_000, help="of which open (the newest)")
    parser.add_argument("--customers", type=int, default=200_000, help="customers the questions come from")
    parser.add_argument("--queues", type=int, default=20)
    parser.add_argument("--granted", type=int, default=5, help="queues the employee may answer")
    parser.add_argument("--runs", type=int, default=60, help="lookups measured per kind")
    parser.add_argument("--chunk", type=int, default=100_000, help="questions per INSERT")
    parser.add_argument(
        "--sqlite", type=int, metavar="N", help="measure the embedded desk instead: SQLite, N questions"
    )
    return parser.parse_args()


def percentile(ordered: list[float], percent: float) -> float:
    return ordered[min(len(ordered) - 1, max(0, round(percent / 100 * len(ordered)) - 1))]


def row(label: str, latencies: list[float], found: list[int]) -> list:
    ordered = sorted(latencies)
    return [label, len(ordered), percentile(ordered, 50), percentile(ordered, 95), ordered[-1], sum(found) / len(found)]


def looked_up(texts: list[str]) -> list:
    """Questions as the compose page holds them, for texts no stored question has (never saved)."""
    from inbox.models import Question
    from inbox.search import search_text

    return [Question(pk=0, search_text=search_text("bench_customer", [text]), asked_text=text) for text in texts]


def measure(person, questions: list) -> tuple[list[float], list[int]]:
    from inbox.similar import similar_answers

    latencies, found = [], []
    for question in questions:
        started = time.perf_counter()
        answers = similar_answers(question, person)
        latencies.append((time.perf_counter() - started) * 1000)
        found.append(len(answers))
    return latencies, found


def search_baseline(person, queue_ids: list[int], runs: int) -> tuple[list[float], list[int]]:
    from inbox import selectors

    latencies, found = [], []
    for i in range(runs):
        word = ["返金", "交換", "故障", "配送"][i % 4]
        started = time.perf_counter()
        page = selectors.questions_for_inbox(person, queue_ids, selectors.InboxFilters(search=word, status="answered"))
        latencies.append((time.perf_counter() - started) * 1000)
        found.append(len(page.questions))
    return latencies, found


def add_replies(author_id: int) -> int:
    """The reply X accepted for every answered question that has none (a signature line, a posted id)."""
    from django.db import connection

    from inbox.search import normalised

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO inbox_reply (question_id, round, purpose, author_id, text, in_reply_to, status, created_at, "
            "attempts, posted_id, sent_at, failure_reason, needed_approval) "
            "SELECT q.id, 1, 'answer', %(author)s, (%(replies)s::text[])[1 + q.id %% %(count)s] || E'\\n^BENCHSE01', "
            "q.source_post_id, 'sent', q.created_at, 1, (1900000000000000000 + q.id)::text, q.created_at, '', false "
            "FROM inbox_question q WHERE q.status = 'answered' "
            "AND NOT EXISTS (SELECT 1 FROM inbox_reply r WHERE r.question_id = q.id)",
            {"author": author_id, "replies": [normalised(r) for r in REPLIES], "count": len(REPLIES)},
        )
        return cursor.rowcount


def run_postgresql(args: argparse.Namespace) -> None:
    import search  # bench/search.py: its corpus, seeding and people
    from common import bench_setup, maintenance, reset_desk_tables, timed

    say("Setting up the benchmark database")
    bench_setup()
    from django.db import connection

    from inbox.models import Question, Reply

    queues = search.prepare_queues(args.queues)
    granted_ids = [q.pk for q in queues[: args.granted]]
    if Question.objects.count() != args.questions:
        say("Emptying the desk's tables")
        reset_desk_tables()
        queues = search.prepare_queues(args.queues)
        granted_ids = [q.pk for q in queues[: args.granted]]
        say(f"Seeding {args.questions:,} questions ({args.open:,} open) over {args.queues} queues (bench/search.py)")
        with timed() as seeding:
            search.seed(args, [q.pk for q in queues])
        say(f"  seeded in {seeding['seconds']:.1f} s; building the bigram index")
        search.build_index()
    else:
        say(f"Keeping the {args.questions:,} questions seeded before")
    employee = search.prepare_employee(queues[: args.granted])
    supervisor = prepare_supervisor()
    if not Reply.objects.filter(status="sent").exists() or Reply.objects.count() < args.questions - args.open:
        say("Adding the reply X accepted to every answered question")
        with timed() as adding:
            added = add_replies(employee.pk)
        say(f"  {added:,} replies in {adding['seconds']:.1f} s")
    with maintenance() as session:
        session.execute("VACUUM ANALYZE inbox_question")
        session.execute("VACUUM ANALYZE inbox_reply")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM inbox_reply WHERE status = 'sent'")
        sent = cursor.fetchone()[0]
    say(f"{sent:,} answered questions with their sent replies")

    rng = random.Random(18)
    open_ids = list(
        Question.objects.filter(status="open", queue_id__in=granted_ids)
        .order_by("-id")
        .values_list("pk", flat=True)[:5000]
    )
    corpus = list(Question.objects.filter(pk__in=rng.sample(open_ids, args.runs)))
    paraphrases = looked_up([PARAPHRASES[i % len(PARAPHRASES)] for i in range(args.runs)])
    rare = looked_up([RARE[i % len(RARE)] for i in range(args.runs)])
    kinds = {"open questions of the corpus": corpus, "paraphrases": paraphrases, "rare words": rare}

    say("Warming up (one pass of every kind, not measured)")
    for questions in kinds.values():
        measure(employee, questions)
    search_baseline(employee, granted_ids, 8)

    say(f"Measuring: {args.runs} lookups of each kind, as an employee of {args.granted} queues and as a supervisor")
    results = {}
    for label, questions in kinds.items():
        results[f"{label}, employee"] = measure(employee, questions)
        results[f"{label}, supervisor"] = measure(supervisor, questions)
    baseline = search_baseline(employee, granted_ids, args.runs)
    table(
        ["similar answers (end to end)", "runs", "p50 ms", "p95 ms", "max ms", "shown (avg)"],
        [row(label, *result) for label, result in results.items()]
        + [row("baseline: inbox search of a two-character word, answered", *baseline)],
    )
    example(employee, paraphrases[0])
    p95 = {label: percentile(sorted(latencies), 95) for label, (latencies, _found) in results.items()}
    worst = max(p95.values())
    base95 = percentile(sorted(baseline[0]), 95)
    say(
        f"Worst p95: {worst:.1f} ms (target: under 100 ms); "
        f"{worst / base95:.2f} × the inbox search's p95 ({base95:.1f} ms)"
    )
    figures(
        questions=args.questions,
        sent_replies=sent,
        **{f"{label.split(',')[0].split()[0]}_{label.split(', ')[1]}_p95_ms": value for label, value in p95.items()},
        worst_p95_ms=worst,
        baseline_search_p95_ms=base95,
        ratio_to_search=worst / base95,
    )


def prepare_supervisor():
    import secrets

    from accounts import services
    from accounts.models import Employee, Role

    supervisor = Employee.objects.filter(employee_number="BENCHSS01").first()
    if supervisor is None:
        admin = Employee.objects.get(employee_number="BENCHSA01")
        supervisor = Employee(employee_number="BENCHSS01", email="bench-similar-supervisor@example.com")
        supervisor.set_password(secrets.token_urlsafe(24))
        services.register_employee(supervisor)
        supervisor = services.approve_employee(supervisor, actor=admin, role=Role.SUPERVISOR)
    return supervisor


def example(person, question) -> None:
    from inbox.similar import similar_answers

    say(f"What the compose page shows for “{question.asked_text}”:")
    for answer in similar_answers(question, person):
        print(
            f"    #{answer.question_id} ({answer.score:.2f}, shares {', '.join(answer.shared_terms)}): "
            f"{answer.asked_text[:40]} → {answer.reply_body[:40]}",
            flush=True,
        )


def run_sqlite(args: argparse.Namespace) -> None:
    """The embedded desk: a SQLite file made by `migrate`, N questions made through the ORM, the same lookups."""
    directory = Path(tempfile.mkdtemp(prefix="replydesk-similar-"))
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{directory / 'desk.sqlite3'}",
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "replydesk.settings",
        }
    )
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    say(f"Migrating a SQLite desk in {directory}")
    call_command("migrate", verbosity=0)
    import search

    from inbox.models import Customer, Question, Queue, Reply
    from inbox.search import normalised
    from inbox.search import search_text as text_of

    queues = search.prepare_queues(4)
    employee = search.prepare_employee(queues[:2])
    supervisor = prepare_supervisor()
    rng = random.Random(18)
    sentences = search.JAPANESE + search.ENGLISH
    say(f"Seeding {args.sqlite:,} questions, nine in ten answered with a sent reply")
    customers = Customer.objects.bulk_create(
        [Customer(network_id=f"s{i}", handle=f"user{i}") for i in range(max(1, args.sqlite // 5))]
    )
    now = django.utils.timezone.now()
    questions = []
    for i in range(args.sqlite):
        body = f"{rng.choice(sentences)} {rng.choice(search.CLOSINGS)}".strip()
        customer = customers[i % len(customers)]
        answered = i < args.sqlite * 9 // 10
        questions.append(
            Question(
                queue=queues[i % len(queues)],
                customer=customer,
                status="answered" if answered else "open",
                source_post_id=f"s{i}",
                conversation_id=f"s{i}",
                last_post_id=f"s{i}",
                round=1,
                created_at=now,
                received_at=now,
                waiting_since=now,
                due_at=now,
                warn_at=now,
                answered_at=now if answered else None,
                asked_text=body,
                search_text=text_of(customer.handle, [body]),
            )
        )
    Question.objects.bulk_create(questions, batch_size=500)
    Reply.objects.bulk_create(
        [
            Reply(
                question=q,
                round=1,
                author=employee,
                text=normalised(REPLIES[q.pk % len(REPLIES)]) + "\n^BENCHSE01",
                in_reply_to=q.source_post_id,
                status="sent",
                posted_id=str(1900000000000000000 + q.pk),
                sent_at=now,
            )
            for q in Question.objects.filter(status="answered")
        ],
        batch_size=500,
    )
    del Queue
    corpus = list(Question.objects.filter(status="open", queue__in=queues[:2]).order_by("?")[: args.runs])
    kinds = {
        "open questions of the corpus": corpus,
        "paraphrases": looked_up([PARAPHRASES[i % len(PARAPHRASES)] for i in range(args.runs)]),
        "rare words": looked_up([RARE[i % len(RARE)] for i in range(args.runs)]),
    }
    for questions in kinds.values():
        measure(employee, questions)
    results = {}
    for label, questions in kinds.items():
        results[f"{label}, employee"] = measure(employee, questions)
        results[f"{label}, supervisor"] = measure(supervisor, questions)
    baseline = search_baseline(employee, [q.pk for q in queues[:2]], args.runs)
    table(
        ["similar answers, SQLite (end to end)", "runs", "p50 ms", "p95 ms", "max ms", "shown (avg)"],
        [row(label, *result) for label, result in results.items()]
        + [row("baseline: inbox search of a two-character word, answered", *baseline)],
    )
    worst = max(percentile(sorted(latencies), 95) for latencies, _found in results.values())
    base95 = percentile(sorted(baseline[0]), 95)
    figures(questions=args.sqlite, worst_p95_ms=worst, baseline_search_p95_ms=base95, ratio_to_search=worst / base95)
    shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    args = parse_args()
    if args.sqlite:
        run_sqlite(args)
    else:
        run_postgresql(args)


if __name__ == "__main__":
    sys.exit(main())
