"""Four-eyes approval (README, "Four eyes"): what deciding the reasons costs a reply, and what the approvers' count
costs every page of a supervisor (the navigation's badge, polled every 20 s by each open page).

1. `approval_reasons` on a corpus of replies (Japanese and English, some with phone numbers, addresses, order and
   card numbers), against, in the same run, the NFKC folding of the same texts alone (the work any matcher of
   full-width input must do first): the composer asks it as the employee types, and the send service again.
2. `approval_selectors.waiting_count` for a supervisor, and the approval list's first page, with `--drafts` decided
   drafts and `--pending` waiting ones over `--questions` questions, against the bare count of pending drafts on the
   same index.

    .venv/bin/python bench/approvals.py                    # 100,000 questions, 50,000 drafts: about a minute
    .venv/bin/python bench/approvals.py --questions 20000 --drafts 10000 --pending 200 --runs 50
"""

import argparse
import statistics
import time
import unicodedata

from common import bench_setup, figures, maintain, reset_desk_tables, say, seed_questions, table

REPLIES = [
    "明日お届け予定です。ご不便をおかけして申し訳ありません。",
    "返金の手続きをご案内します。5営業日以内にご返金いたします。",
    "お電話番号０９０－１２３４－５６７８までご連絡ください。",
    "サポートセンター（0120-000-000、9時〜18時）までお電話ください。",
    "注文番号48213 の配送状況を確認しました。明日の午前中に届きます。",
    "東京都千代田区丸の内１－２－３ の店舗でも受け取れます。",
    "Your refund is on its way and should arrive within five business days.",
    "Please write to support@example.com with your order #A-1234.",
    "The card 4111 1111 1111 1111 cannot be used for this purchase, sorry.",
    "You will find the details here: https://example.com/support",
    "修理のお申し込みはこちらのページからどうぞ：https://example.com/repair",
    "ご迷惑をおかけしました。交換品を本日発送いたしました。",
]
SUPERVISOR_NUMBER = "BENCHAS01"
EMPLOYEE_NUMBER = "BENCHAE01"
QUEUE_NAME = "Bench approvals queue {:02d}"

DRAFTS_SQL = """
INSERT INTO inbox_replydraft (question_id, queue_id, round, version, author_id, written_by_id, body, text, text_sha256,
    based_on_post_id, reasons, rule_version, status, submitted_at, warn_at, fallback_at, escalation, closed_at)
SELECT q.id, q.queue_id, 1, 1, %(author)s, %(author)s, '返金の手続きをご案内します。',
    '返金の手続きをご案内します。' || E'\\n^E1',
    md5(q.id::text) || md5(q.id::text), q.last_post_id, '[{"kind": "keyword", "detail": "返金"}]'::jsonb, 0,
    CASE WHEN q.status = 'open' THEN 'pending' ELSE 'approved' END,
    q.created_at, q.created_at + interval '15 minutes', q.created_at + interval '30 minutes', 0,
    CASE WHEN q.status = 'open' THEN NULL ELSE q.created_at + interval '5 minutes' END
FROM inbox_question q
WHERE (q.status = 'answered' AND q.id <= %(decided)s)
   OR (q.status = 'open' AND q.id > (SELECT max(id) FROM inbox_question) - %(pending)s)
"""


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=100_000)
    parser.add_argument("--drafts", type=int, default=50_000, help="decided drafts (of answered questions)")
    parser.add_argument("--pending", type=int, default=1_000, help="drafts waiting for approval")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=300, help="passes over the reply corpus")
    return parser.parse_args()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def micros(action, texts: list[str], rounds: int) -> list[float]:
    """Microseconds per text, one figure per pass over the corpus."""
    per_text = []
    for _ in range(rounds):
        started = time.perf_counter()
        for text in texts:
            action(text)
        per_text.append((time.perf_counter() - started) * 1e6 / len(texts))
    return per_text


def bench_reasons(rounds: int) -> dict:
    from inbox.approval_reasons import ReplyFacts, RiskRules, approval_reasons

    rules, facts = RiskRules(allowed=("0120-000-000",)), ReplyFacts(author_replies_posted=100)
    texts = [f"{reply}\n^E042" for reply in REPLIES]
    needing = sum(1 for text in texts if approval_reasons(text, facts, rules))
    reasons = micros(lambda text: approval_reasons(text, facts, rules), texts, rounds)
    folding = micros(lambda text: unicodedata.normalize("NFKC", text).casefold(), texts, rounds)
    return {"needing": needing, "of": len(texts), "reasons": reasons, "folding": folding}


def prepare_people(queue_count: int):
    import secrets

    from accounts import services
    from accounts.models import Employee, Role
    from inbox import configuration
    from inbox.models import Queue

    queues = []
    for number in range(1, queue_count + 1):
        name = QUEUE_NAME.format(number)
        queue = Queue.objects.filter(name=name).first() or configuration.save_setting(
            Queue(name=name, description="bench/approvals.py"), actor=None
        )
        queues.append(queue)
    password = secrets.token_urlsafe(24)
    people = {}
    admin = Employee.objects.filter(is_superuser=True).first() or Employee.objects.create_superuser(
        "BENCHAA01", "bench-approvals-admin@example.com", password
    )
    for number, role in ((SUPERVISOR_NUMBER, Role.SUPERVISOR), (EMPLOYEE_NUMBER, Role.EMPLOYEE)):
        person = Employee.objects.filter(employee_number=number).first()
        if person is None:
            person = Employee(employee_number=number, email=f"{number.lower()}@example.com")
            person.set_password(password)
            services.register_employee(person)
            person = services.approve_employee(person, actor=admin, role=role, queues=queues[:5])
        people[role] = person
    return queues, people[Role.SUPERVISOR], people[Role.EMPLOYEE]


def timings(action, runs: int) -> list[float]:
    latencies = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def bare_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM inbox_replydraft WHERE status = 'pending'")
        return cursor.fetchone()[0]


def main() -> None:
    args = parse()
    say(f"1. approval_reasons on {len(REPLIES)} replies, {args.rounds} passes")
    pure = bench_reasons(args.rounds)
    reasons_p50, folding_p50 = statistics.median(pure["reasons"]), statistics.median(pure["folding"])
    table(
        ["work per reply", "p50 µs", "p95 µs"],
        [
            ["approval_reasons (every rule)", reasons_p50, percentile(pure["reasons"], 0.95)],
            ["NFKC folding alone (baseline)", folding_p50, percentile(pure["folding"], 0.95)],
        ],
    )
    say(f"   {pure['needing']} of {pure['of']} replies need approval")

    bench_setup()
    from inbox import approval_selectors

    say(
        f"2. the approvers' count: {args.questions:,} questions, {args.drafts:,} decided drafts, "
        f"{args.pending:,} waiting"
    )
    reset_desk_tables()
    queues, supervisor, employee = prepare_people(20)
    seed_questions(
        args.questions, open_count=max(args.pending * 2, args.questions // 5), queue_ids=[q.pk for q in queues]
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(DRAFTS_SQL, {"author": employee.pk, "decided": args.drafts, "pending": args.pending})
        say(f"   {cursor.rowcount:,} drafts")
    maintain("ANALYZE inbox_replydraft", "ANALYZE inbox_question")
    waiting = approval_selectors.waiting_count(supervisor)
    count_ms = timings(lambda: approval_selectors.waiting_count(supervisor), args.runs)
    page_ms = timings(lambda: list(approval_selectors.waiting_for(supervisor)[:200]), max(args.runs // 10, 5))
    bare_ms = timings(bare_count, args.runs)
    table(
        ["query", "p50 ms", "p95 ms"],
        [
            [f"waiting_count(supervisor) = {waiting:,}", statistics.median(count_ms), percentile(count_ms, 0.95)],
            ["the approval list's first 200", statistics.median(page_ms), percentile(page_ms, 0.95)],
            ["bare count of pending drafts (baseline)", statistics.median(bare_ms), percentile(bare_ms, 0.95)],
        ],
    )
    figures(
        reasons_us_p50=reasons_p50,
        reasons_vs_folding=reasons_p50 / folding_p50,
        count_ms_p95=percentile(count_ms, 0.95),
        count_vs_bare=statistics.median(count_ms) / statistics.median(bare_ms),
        list_ms_p95=percentile(page_ms, 0.95),
    )


if __name__ == "__main__":
    main()
