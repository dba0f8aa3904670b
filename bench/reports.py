"""The report pages at the size of a Twelpforce quarter (docs/benchmarks.md, "Reports"; issue 17): what a supervisor's
period report costs on 1,000,000 questions, and what the worker pays to keep the rollups it reads.

1. Seeds `--questions` questions (1,000,000) asked over the last `--days` days (100) before now — about 10,000 a day,
   more on weekdays and in business hours, fewer at night — from 200,000 customers, in 8 queues with 22 routing
   rules (the topics) and four priorities, answered by 300 employees: ~85 % answered with a sent reply (picked up
   minutes to hours after the post, slower at night, so some past their service level; claim, handle and send
   times kept), a tenth of those replies through an approver (a tenth of those rejected once first), 1 % escalated
   to 3 departments (acknowledged on X, accepted, resolved, half with a closing reply), 2 % closed without an answer,
   the rest still open (the newest not picked up yet, and a backlog nobody answered); a 1 % quality review sample
   of the sent replies, reviewed. Everything inside the database (INSERT … SELECT over generate_series), as the
   superuser's maintenance session with the triggers off (the rows satisfy migration 0006's approval check anyway:
   every reply that needed approval names an approval of its exact text).
2. Builds the day rollups once with the worker's own `reports.rollups.refresh_days` over the whole range (timed:
   seconds per day and in all), then once more for today and yesterday (the worker's 10-minute job) and the last 35
   days (its nightly job).
3. Starts gunicorn (2 workers, production settings, as bench/inbox.py does), signs in a supervisor (TOTP set up,
   as the desk requires of supervisors) and measures, one request at a time (a supervisor opening the page):
   the period report for 7 days and for a quarter (90 days), cold (the cache emptied before each request, so
   every chart is drawn) and warm (the same period again, charts from the cache); the today page; and with
   `--connections` concurrent connections the warm pages' throughput. Baseline in the same run, served the same
   way: the bare view signed in (the session, the person and their role: the floor of every signed-in page); and
   the bare SQL read of the period's rollup rows.
4. Profiles one cold and one warm quarter request in this process (cProfile): the selector, the charts, the
   template, the rest.

    .venv/bin/python bench/reports.py                                  # 1,000,000 questions: ~15 minutes
    .venv/bin/python bench/reports.py --questions 100000 --days 100 --requests 10 --duration 5
    .venv/bin/python bench/reports.py --keep-data                      # measure again on the last run's rows
"""

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import secrets
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from html import unescape
from pathlib import Path

from common import (
    ROOT,
    bench_setup,
    figures,
    load_inbox_bench,
    maintain,
    maintenance,
    reset_desk_tables,
    say,
    table,
    timed,
)

page_bench = load_inbox_bench()
BARE_PATH = page_bench.BARE_PATH

TARGET_WEEK_P95_MS = 300.0
TARGET_QUARTER_P95_MS = 1000.0

ADMIN_NUMBER = "BRA01"
VIEWER_NUMBER = "BRV01"  # the supervisor who opens the pages
APPROVER_PREFIX = "BRS"  # supervisors: approvers and reviewers
EMPLOYEE_PREFIX = "BR"
DEPARTMENTS = (
    ("bench-billing", "料金・請求担当", "Billing"),
    ("bench-logistics", "物流センター", "Logistics"),
    ("bench-legal", "法務・広報", "Legal and PR"),
)
# Queues (the default queue first) and their topics: (rule name, priority, weight in % of questions).
TOPICS = {
    None: [(None, 1, 10)],  # unrouted: the default queue, no topic
    "配送": [("配送の遅れ", 2, 9), ("配達日時の変更", 1, 5), ("不在票", 1, 3)],
    "返品・交換": [("初期不良", 2, 5), ("返品手続き", 1, 5), ("交換の在庫", 1, 2)],
    "料金・請求": [("二重請求", 3, 3), ("返金の時期", 2, 4), ("領収書", 0, 3)],
    "製品サポート": [("電池・充電", 1, 6), ("設定方法", 0, 6), ("故障・修理", 2, 6)],
    "店舗": [("営業時間", 0, 4), ("在庫の確認", 0, 4), ("接客", 2, 2)],
    "オンラインストア": [("ログインできない", 2, 4), ("注文の取り消し", 2, 4), ("クーポン", 0, 3)],
    "ポイント・会員": [("ポイント失効", 1, 3), ("会員登録", 0, 2)],
}
# Service levels by priority (default for every queue): how long the desk has for a first answer.
LEVEL_MINUTES = {0: 240, 1: 60, 2: 60, 3: 30}
# Mean minutes from the post to an employee picking it up, by priority (3 times that from 1:00 to 6:59 at night).
PICKUP_MEAN_MINUTES = {0: 50, 1: 22, 2: 18, 3: 8}
# Questions by hour of day (desk time): quiet at night, a peak at lunch and in the evening.
HOUR_SHAPE = (3, 2, 1.2, 0.8, 0.6, 0.8, 1.5, 3, 5, 6.5, 7, 7, 7.5, 7, 6.5, 6.5, 6.5, 6.5, 7, 7.5, 7.5, 6.5, 5.5, 4.5)
WEEKDAY_SHAPE = (1.0, 1.0, 1.0, 1.0, 1.05, 0.75, 0.65)  # Monday … Sunday
REPLY_TEXTS = (
    "ご不便をおかけして申し訳ございません。配送状況を確認し、明日お届けの予定です。",
    "お問い合わせありがとうございます。返品はマイページの注文履歴から手続きいただけます。",
    "ご迷惑をおかけしております。詳しい状況をDMでお知らせいただけますでしょうか。",
    "Thank you for reaching out. The store opens at 10:00 on weekdays and 9:00 on weekends.",
    "ご指摘ありがとうございます。担当部署に共有し、改善に努めます。",
    "Sorry about that! Please try signing in again after clearing your browser's cache.",
)
ASKED_TEXTS = (
    "注文した商品がまだ届きません。いつ届きますか？",
    "返品したいのですが、どうすればいいですか",
    "二重に請求されているようです",
    "Where is my order? It was due yesterday.",
    "充電器が動かなくなりました",
    "ポイントの有効期限を教えてください",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--questions", type=int, default=1_000_000, help="questions in the database")
    parser.add_argument("--days", type=int, default=100, help="days they were asked over, ending now")
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--unanswered", type=float, default=12.0, help="%% of questions left open, never answered")
    parser.add_argument("--requests", type=int, default=20, help="requests per page, one at a time, cold and warm")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--connections", type=int, default=4, help="connections of the throughput runs")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of each throughput run")
    parser.add_argument(
        "--generator", choices=["auto", "wrk", "python"], default="auto", help="load generator of the throughput runs"
    )
    parser.add_argument("--keep-data", action="store_true", help="measure the rows an earlier run seeded")
    parser.add_argument(
        "--keep-figures",
        action="store_true",
        help="with --keep-data: keep the day figures of the last run too (the rollups are not measured)",
    )
    parser.add_argument("--seed-only", action="store_true", help="seed (and check) the rows, measure nothing")
    args = parser.parse_args()
    if args.keep_figures and not args.keep_data:
        parser.error("--keep-figures needs --keep-data")
    if args.days < 7 or args.questions < args.days * 24:
        parser.error("--days must be at least 7, with at least one question per hour")
    return args


# --- the desk's people and configuration ----------------------------------------------------------------------------


def prepare_configuration() -> dict:
    """Queues, topics, service levels and departments, made through the desk's own configuration services (kept
    between runs: they live in tables the benchmarks do not empty)."""
    from django.conf import settings

    from inbox import configuration
    from inbox.models import Department, Queue, RoutingRule, ServiceLevel

    queues, slots = [], []
    position = 0
    for queue_index, (queue_name, topics) in enumerate(TOPICS.items()):
        name = queue_name or settings.INBOX_DEFAULT_QUEUE
        queue = Queue.objects.filter(name=name).first() or configuration.save_setting(
            Queue(name=name, description="bench/reports.py"), actor=None
        )
        if queue.requires_approval:
            sys.exit(f"queue {name} requires approval of every reply: this seed assumes it does not")
        queues.append(queue)
        for rule_name, priority, weight in topics:
            rule = None
            if rule_name:
                position += 1
                rule = RoutingRule.objects.filter(name=rule_name, queue=queue).first() or configuration.save_setting(
                    RoutingRule(name=rule_name, keywords=rule_name, queue=queue, priority=priority, position=position),
                    actor=None,
                )
            slots += [(rule.pk if rule else None, queue_index, priority)] * weight
    for priority, minutes in LEVEL_MINUTES.items():
        level = ServiceLevel.objects.filter(queue=None, priority=priority).first() or ServiceLevel(
            queue=None, priority=priority
        )
        if (level.answer_within_minutes, level.warn_after_minutes) != (minutes, 2 * minutes):
            level.answer_within_minutes, level.warn_after_minutes = minutes, 2 * minutes
            configuration.save_service_level(level, actor=None)
    departments = []
    for code, name_ja, name_en in DEPARTMENTS:
        department = Department.objects.filter(code=code).first() or configuration.save_setting(
            Department(code=code, name_ja=name_ja, name_en=name_en, kind=Department.Kind.IN_DESK), actor=None
        )
        departments.append(department)
    return {"queues": queues, "slots": slots, "departments": departments}


def prepare_people(queues: list, employee_count: int) -> dict:
    """An administrator, 5 supervisors (approvers and reviewers), the supervisor who opens the pages (with TOTP, which
    supervisors must have), and `employee_count` employees, employee i answering queue i mod 8. Made through the
    desk's services once and kept between runs."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts import services
    from accounts.models import Employee, Role

    password = secrets.token_urlsafe(24)  # never used: sessions are made server-side
    admin = Employee.objects.filter(employee_number=ADMIN_NUMBER).first() or Employee.objects.create_superuser(
        ADMIN_NUMBER, "bench-reports-admin@example.com", password
    )

    def person(number: str, role, granted) -> Employee:
        found = Employee.objects.filter(employee_number=number).first()
        if found is not None:
            return found
        found = Employee(employee_number=number, email=f"{number.lower()}@example.com")
        found.set_unusable_password()
        services.register_employee(found)
        return services.approve_employee(found, actor=admin, role=role, queues=granted)

    viewer = person(VIEWER_NUMBER, Role.SUPERVISOR, queues)
    if not Authenticator.objects.filter(user=viewer, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(viewer, generate_totp_secret())
    supervisors = [person(f"{APPROVER_PREFIX}{n:02d}", Role.SUPERVISOR, queues) for n in range(1, 6)]
    employees = []
    for n in range(employee_count):
        employees.append(person(f"{EMPLOYEE_PREFIX}{n + 1:04d}", Role.EMPLOYEE, [queues[n % len(queues)]]))
        if (n + 1) % 100 == 0:
            say(f"  {n + 1} / {employee_count} employees")
    return {"viewer": viewer, "supervisors": supervisors, "employees": employees}


# --- the seed -------------------------------------------------------------------------------------------------------


def hourly_slots(now: datetime, days: int, total: int) -> tuple[list[datetime], list[int], list[int]]:
    """The hours from local midnight `days - 1` days ago to now, each with its number of questions (shaped by hour
    and weekday, ±10 % from day to day, the current hour by the part of it gone), adding up to `total`; returns the
    hours' starts, the number of each hour's first question and each hour's count."""
    from django.utils import timezone

    zone = timezone.get_default_timezone()
    local_now = timezone.localtime(now, zone)
    first_day = local_now.date() - timedelta(days=days - 1)
    draw = random.Random(17)  # noqa: S311 - a reproducible day-to-day wobble, not a secret
    starts, weights = [], []
    day = first_day
    while day <= local_now.date():
        wobble = draw.uniform(0.9, 1.1)
        for hour in range(24):
            start = datetime(day.year, day.month, day.day, hour, tzinfo=zone)
            if start >= now:
                break
            part = min(1.0, (now - start).total_seconds() / 3600)
            starts.append(start)
            weights.append(HOUR_SHAPE[hour] * WEEKDAY_SHAPE[day.weekday()] * wobble * part)
        day += timedelta(days=1)
    scale = total / sum(weights)
    counts, firsts, running, given = [], [], 0.0, 0
    for weight in weights:
        running += weight * scale
        upto = round(running)
        firsts.append(given + 1)
        counts.append(upto - given)
        given = upto
    counts[-1] += total - given
    return starts, firsts, counts


# The per-question facts every table's rows are made from, derived from the question's number n alone (a hash of n
# per draw, so that the same n always gives the same times and choices). Durations in minutes.
FUNCTIONS_SQL = """
CREATE FUNCTION pg_temp.u(n bigint, k int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
    $$ SELECT ((hashint8extended(n, k) & 2147483647)::float8 + 0.5) / 2147483648.0 $$;
CREATE FUNCTION pg_temp.expo(n bigint, k int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
    $$ SELECT -ln(((hashint8extended(n, k) & 2147483647)::float8 + 0.5) / 2147483648.0) $$;
CREATE FUNCTION pg_temp.minutes(m float8) RETURNS interval LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
    $$ SELECT make_interval(secs => m * 60) $$;
"""

FACTS_SQL = """
CREATE TEMP TABLE bench_fact AS
WITH slot AS (
    SELECT * FROM unnest(%(starts)s::timestamptz[], %(firsts)s::bigint[], %(counts)s::int[]) AS s(start, first, cnt)
), asked AS (
    SELECT n, s.start + make_interval(secs => (n - s.first) * 3600.0 / s.cnt + 3600.0 / s.cnt * pg_temp.u(n, 20)) AS at,
        1 + floor(pg_temp.u(n, 10) * %(slot_count)s)::int AS slot,
        pg_temp.u(n, 1) AS outcome
    FROM slot s, generate_series(s.first, s.first + s.cnt - 1) AS n
), routed AS MATERIALIZED (
    SELECT a.n, a.at, a.outcome,
        (%(slot_rules)s::bigint[])[a.slot] AS rule_id,
        (%(slot_queues)s::int[])[a.slot] AS queue_index,
        (%(slot_priorities)s::int[])[a.slot] AS priority,
        extract(hour FROM a.at AT TIME ZONE %(zone)s) BETWEEN 1 AND 6 AS night
    FROM asked a
), timed AS MATERIALIZED (
    SELECT r.*,
        (%(queue_ids)s::bigint[])[r.queue_index + 1] AS queue_id,
        (%(levels)s::int[])[r.priority + 1] AS level,
        pg_temp.minutes(1 + (%(pickups)s::float8[])[r.priority + 1] * CASE WHEN r.night THEN 3 ELSE 1 END
            * pg_temp.expo(r.n, 2)) AS pickup,
        pg_temp.minutes(0.5 + 4 * pg_temp.expo(r.n, 3)) AS handle,
        CASE WHEN r.outcome >= %(answered_from)s AND pg_temp.u(r.n, 6) < 0.10
             THEN pg_temp.minutes(1 + 8 * pg_temp.expo(r.n, 4)) END AS approval_wait,
        make_interval(secs => 1 + 20 * pg_temp.u(r.n, 5)) AS send_lag,
        (%(employee_ids)s::bigint[])[
            1 + r.queue_index + %(queue_count)s * floor(pg_temp.u(r.n, 11) * %(per_queue)s)::int] AS author_id,
        1 + floor(pg_temp.u(r.n, 12) * %(customers)s)::bigint AS customer_id,
        1 + floor(pg_temp.u(r.n, 13) * %(texts)s)::int AS text_index
    FROM routed r
)
SELECT t.n, t.at AS asked_at, t.queue_id, t.queue_index, t.priority, t.rule_id, t.author_id, t.customer_id,
    t.text_index,
    CASE WHEN t.outcome < 0.02 THEN 'closed' WHEN t.outcome < 0.03 THEN 'escalated'
         WHEN t.outcome < %(answered_from)s THEN 'unanswered' ELSE 'answered' END AS kind,
    t.at + make_interval(mins => t.level) AS due_at,
    t.at + make_interval(mins => 2 * t.level) AS warn_at,
    t.at + t.pickup AS claimed_at,
    t.at + t.pickup + t.handle AS written_at,
    t.at + t.pickup + t.handle + coalesce(t.approval_wait, interval '0') AS queued_at,
    t.at + t.pickup + t.handle + coalesce(t.approval_wait, interval '0') + t.send_lag AS sent_at,
    t.approval_wait IS NOT NULL AS approved,
    t.approval_wait IS NOT NULL AND pg_temp.u(t.n, 8) < 0.10 AS rejected_first,
    t.approval_wait IS NOT NULL AND pg_temp.u(t.n, 7) < 0.05 AS edited,
    (%(supervisor_ids)s::bigint[])[1 + floor(pg_temp.u(t.n, 14) * %(supervisor_count)s)::int] AS approver_id,
    -- An escalation: the employee hands it over instead of writing an answer, then acknowledges it on X.
    (%(department_ids)s::bigint[])[1 + floor(pg_temp.u(t.n, 15) * %(department_count)s)::int] AS department_id,
    t.at + t.pickup + t.handle + pg_temp.minutes(1 + 3 * pg_temp.expo(t.n, 16)) AS ack_written_at,
    t.at + t.pickup + t.handle + pg_temp.minutes(1 + 3 * pg_temp.expo(t.n, 16)) + t.send_lag AS ack_sent_at,
    pg_temp.minutes(5 + 30 * pg_temp.expo(t.n, 17)) AS accept_after,
    pg_temp.minutes(60 + 600 * pg_temp.expo(t.n, 18)) AS resolve_after,
    pg_temp.u(t.n, 19) < 0.5 AS closing_reply,
    pg_temp.u(t.n, 9) < 0.01 AS reviewed
FROM timed t
"""

# Each question's state now, from its facts: what happened before `now` happened.
STATE_SQL = """
ALTER TABLE bench_fact ADD COLUMN accepted_at timestamptz, ADD COLUMN closed_at timestamptz,
    ADD COLUMN status text, ADD COLUMN reply_sent boolean, ADD COLUMN draft_pending boolean,
    ADD COLUMN escalation_status text;
UPDATE bench_fact SET
    accepted_at = ack_sent_at + accept_after,
    closed_at = ack_sent_at + accept_after + resolve_after,
    reply_sent = kind = 'answered' AND sent_at <= %(now)s,
    draft_pending = kind = 'answered' AND approved AND written_at <= %(now)s AND queued_at > %(now)s,
    escalation_status = CASE
        WHEN kind <> 'escalated' OR written_at > %(now)s THEN NULL
        WHEN ack_sent_at > %(now)s OR ack_sent_at + accept_after > %(now)s THEN 'open'
        WHEN ack_sent_at + accept_after + resolve_after > %(now)s THEN 'accepted'
        ELSE 'resolved' END;
UPDATE bench_fact SET status = CASE
    WHEN kind = 'closed' THEN 'closed'
    WHEN reply_sent THEN 'answered'
    WHEN escalation_status = 'resolved' THEN 'answered'
    WHEN escalation_status IS NOT NULL AND ack_sent_at <= %(now)s THEN 'escalated'
    ELSE 'open' END;
CREATE UNIQUE INDEX ON bench_fact (n);
ANALYZE bench_fact;
"""

CUSTOMERS_SQL = """
INSERT INTO inbox_customer (id, network_id, handle, name, first_seen_at)
SELECT c, 'c' || c, 'user' || c, '', %(first)s FROM generate_series(1, %(customers)s) AS c
"""

QUESTIONS_SQL = """
INSERT INTO inbox_question (id, queue_id, customer_id, status, priority, routing_rule_id, source_post_id,
    conversation_id, last_post_id, round, created_at, received_at, waiting_since, due_at, warn_at, overdue,
    answered_at, holder_id, claimed_at, lease_ends, claim_token, department_id, awaiting_approval, asked_text,
    version, search_text)
SELECT f.n, f.queue_id, f.customer_id, f.status, f.priority, f.rule_id, 'b' || f.n, 'b' || f.n, 'b' || f.n, 1,
    f.asked_at, f.asked_at + interval '4 seconds', f.asked_at, f.due_at, f.warn_at,
    CASE WHEN f.status <> 'open' OR f.escalation_status IS NOT NULL THEN 0
         WHEN f.warn_at <= %(now)s THEN 2 WHEN f.due_at <= %(now)s THEN 1 ELSE 0 END,
    CASE WHEN f.reply_sent THEN f.queued_at
         WHEN f.escalation_status IS NOT NULL AND f.ack_sent_at <= %(now)s THEN f.ack_written_at END,
    CASE WHEN f.draft_pending THEN f.author_id END,
    CASE WHEN f.draft_pending THEN f.claimed_at END,
    CASE WHEN f.draft_pending THEN f.written_at + interval '5 minutes' END,
    CASE WHEN f.draft_pending THEN md5(f.n::text)::uuid END,
    CASE WHEN f.escalation_status IN ('open', 'accepted') THEN f.department_id END,
    f.draft_pending,
    (%(asked)s::text[])[f.text_index],
    1,
    '@user' || f.customer_id || ' ' || (%(asked)s::text[])[f.text_index]
FROM bench_fact f WHERE f.n BETWEEN %(first)s AND %(last)s
"""

# Each question's first customer post (what ingestion stores with it); the desk stores no posts of its own.
POSTS_SQL = """
INSERT INTO inbox_post (id, question_id, network_id, author, text, created_at)
SELECT f.n, f.n, 'b' || f.n, 'customer', '@desk ' || (%(asked)s::text[])[f.text_index], f.asked_at
FROM bench_fact f WHERE f.n BETWEEN %(first)s AND %(last)s
"""

# Drafts: an approved one (id n) for every reply that went through an approver, a rejected first version (id N + n)
# for a tenth of those, and a pending one (id n) for the replies waiting for an approver now. Decisions share the
# drafts' ids. The text an approval approves is the reply's, to the byte (migration 0006's check).
DRAFTS_SQL = """
WITH d AS (
    SELECT f.*, (%(replies)s::text[])[f.text_index] AS body,
        (%(replies)s::text[])[f.text_index] || E'\\n^' || e.employee_number AS text
    FROM bench_fact f JOIN accounts_employee e ON e.id = f.author_id
    WHERE f.approved AND f.written_at <= %(now)s AND (f.reply_sent OR f.draft_pending)
)
INSERT INTO inbox_replydraft (id, question_id, queue_id, round, version, author_id, written_by_id, body, text,
    text_sha256, based_on_post_id, reasons, rule_version, status, submitted_at, claimed_at, warn_at, fallback_at,
    escalation, closed_at, template_id, supersedes_id)
SELECT d.n, d.n, d.queue_id, 1, CASE WHEN d.rejected_first THEN 2 ELSE 1 END, d.author_id, d.author_id, d.body,
    d.text, encode(sha256(convert_to(d.text, 'UTF8')), 'hex'), 'b' || d.n, '[]'::jsonb, 0,
    CASE WHEN d.draft_pending THEN 'pending' ELSE 'approved' END,
    d.written_at, d.claimed_at, d.written_at + interval '15 minutes', d.written_at + interval '30 minutes',
    CASE WHEN d.draft_pending AND d.written_at + interval '30 minutes' <= %(now)s THEN 2
         WHEN d.draft_pending AND d.written_at + interval '15 minutes' <= %(now)s THEN 1 ELSE 0 END,
    CASE WHEN d.draft_pending THEN NULL ELSE d.queued_at END, NULL::bigint, NULL::bigint
FROM d
UNION ALL
SELECT %(total)s + d.n, d.n, d.queue_id, 1, 1, d.author_id, d.author_id, d.body || ' (v1)', d.text || ' (v1)',
    encode(sha256(convert_to(d.text || ' (v1)', 'UTF8')), 'hex'), 'b' || d.n, '[]'::jsonb, 0, 'rejected',
    d.claimed_at + (d.written_at - d.claimed_at) * 0.3, d.claimed_at,
    d.claimed_at + (d.written_at - d.claimed_at) * 0.3 + interval '15 minutes',
    d.claimed_at + (d.written_at - d.claimed_at) * 0.3 + interval '30 minutes', 0,
    d.claimed_at + (d.written_at - d.claimed_at) * 0.8, NULL, NULL
FROM d WHERE d.rejected_first
"""

DECISIONS_SQL = """
INSERT INTO inbox_approvaldecision (id, draft_id, approver_id, verdict, comment, text_seen_sha256, text_sha256,
    edited, reasons, decided_at)
SELECT r.id, r.id, f.approver_id,
    CASE WHEN r.status = 'approved' THEN 'approved' ELSE 'rejected' END,
    CASE WHEN r.status = 'approved' THEN '' ELSE 'お詫びの一文を加えてください。' END,
    CASE WHEN r.status = 'approved' AND f.edited THEN encode(sha256(convert_to(r.text || ' ', 'UTF8')), 'hex')
         ELSE r.text_sha256 END,
    r.text_sha256, r.status = 'approved' AND f.edited, '[]'::jsonb, r.closed_at
FROM inbox_replydraft r JOIN bench_fact f ON f.n = r.question_id
WHERE r.status IN ('approved', 'rejected') AND r.question_id <= %(total)s
"""

# Replies: the answer (id n) of every answered question, the acknowledgement (id n) of every escalation acknowledged
# on X, and a closing reply (id N + n) of half of the resolved ones.
REPLIES_SQL = """
INSERT INTO inbox_reply (id, question_id, round, purpose, author_id, text, due_at, claimed_at, written_at,
    in_reply_to, status, created_at, next_attempt_at, sending_since, attempts, posted_id, sent_at, failure_reason,
    needed_approval, approval_id)
SELECT f.n, f.n, 1, 'answer', f.author_id,
    (%(replies)s::text[])[f.text_index] || E'\\n^' || e.employee_number, f.due_at, f.claimed_at, f.written_at,
    'b' || f.n, 'sent', f.queued_at, NULL::timestamptz, NULL::timestamptz, 1, 'r' || f.n, f.sent_at, '', f.approved,
    CASE WHEN f.approved THEN f.n END
FROM bench_fact f JOIN accounts_employee e ON e.id = f.author_id
WHERE f.reply_sent
UNION ALL
SELECT f.n, f.n, 1, 'acknowledgement', f.author_id,
    '担当部署よりご連絡いたします。' || E'\\n^' || e.employee_number, f.due_at, f.written_at, f.ack_written_at,
    'b' || f.n, 'sent', f.ack_written_at, NULL, NULL, 1, 'a' || f.n, f.ack_sent_at, '', false, NULL
FROM bench_fact f JOIN accounts_employee e ON e.id = f.author_id
WHERE f.escalation_status IS NOT NULL AND f.ack_sent_at <= %(now)s
UNION ALL
SELECT %(total)s + f.n, f.n, 1, 'closing', f.author_id,
    'ご返金の手続きが完了しました。' || E'\\n^' || e.employee_number, f.due_at,
    f.closed_at - interval '20 minutes', f.closed_at - interval '10 minutes',
    'b' || f.n, 'sent', f.closed_at - interval '10 minutes', NULL, NULL, 1, 'c' || f.n,
    f.closed_at - interval '9 minutes', '', false, NULL
FROM bench_fact f JOIN accounts_employee e ON e.id = f.author_id
WHERE f.escalation_status = 'resolved' AND f.closing_reply
"""

ESCALATIONS_SQL = """
INSERT INTO inbox_escalation (id, question_id, round, department_id, escalated_by_id, reason, internal_note, status,
    created_at, acknowledgement_id, acknowledged_at, accept_due_at, resolve_due_at, accept_warned_at,
    resolve_warned_at, accepted_by_id, accepted_at, closed_by_id, closed_at, outcome, outcome_note, return_note,
    customer_wrote_at, packet_mailed_at)
SELECT f.n, f.n, 1, f.department_id, f.author_id,
    (ARRAY['responsibility', 'personal_data', 'complaint', 'safety', 'too_long'])[1 + f.n %% 5], '',
    f.escalation_status, f.written_at,
    CASE WHEN acked THEN f.n END, CASE WHEN acked THEN f.ack_sent_at END,
    CASE WHEN acked THEN f.ack_sent_at + interval '60 minutes' END,
    CASE WHEN acked THEN f.ack_sent_at + interval '1 day' END,
    CASE WHEN acked AND f.escalation_status = 'open' AND f.ack_sent_at + interval '60 minutes' <= %(now)s
         THEN f.ack_sent_at + interval '60 minutes' END,
    NULL,
    CASE WHEN f.escalation_status IN ('accepted', 'resolved') THEN f.approver_id END,
    CASE WHEN f.escalation_status IN ('accepted', 'resolved') THEN f.accepted_at END,
    CASE WHEN f.escalation_status = 'resolved' THEN f.approver_id END,
    CASE WHEN f.escalation_status = 'resolved' THEN f.closed_at END,
    CASE WHEN f.escalation_status = 'resolved'
         THEN (ARRAY['answered_by_phone', 'answered_in_writing', 'refund_issued', 'replacement_sent',
                     'no_action'])[1 + f.n %% 5] ELSE '' END,
    '', '', NULL, NULL
FROM (SELECT *, ack_sent_at <= %(now)s AS acked FROM bench_fact WHERE escalation_status IS NOT NULL) f
"""

# A 1 % quality sample of the answers sent in weeks that ended at least two days ago, each reviewed by a supervisor.
SAMPLES_SQL = """
INSERT INTO quality_reviewsample (id, week_start, employee_id, reply_id, queue_id, reason, checks, run_id,
    added_by_id, created_at)
SELECT r.id, w.week_start, r.author_id, r.id, f.queue_id, 'random', '[]'::jsonb, NULL, NULL,
    (w.week_start + 7)::timestamp AT TIME ZONE %(zone)s
FROM inbox_reply r JOIN bench_fact f ON f.n = r.question_id,
    LATERAL (SELECT date_trunc('week', r.sent_at AT TIME ZONE %(zone)s)::date AS week_start) w
WHERE r.purpose = 'answer' AND f.reviewed AND w.week_start + 9 <= %(today)s
"""
REVIEWS_SQL = """
INSERT INTO quality_review (id, reply_id, sample_id, employee_id, queue_id, week_start, reviewer_id, scorecard_id,
    ratings, score, critical_failed, comment, submitted_at, supersedes_id, seen_at)
SELECT s.id, s.reply_id, s.id, s.employee_id, s.queue_id, s.week_start, f.approver_id, %(scorecard)s,
    (%(ratings)s::jsonb[])[1 + s.id %% %(variants)s], (%(scores)s::numeric[])[1 + s.id %% %(variants)s],
    (%(critical)s::boolean[])[1 + s.id %% %(variants)s], '',
    s.created_at + make_interval(hours => 1 + (s.id %% 40)::int), NULL, NULL
FROM quality_reviewsample s JOIN bench_fact f ON f.n = s.reply_id
"""

SEQUENCES = (
    "inbox_customer",
    "inbox_question",
    "inbox_post",
    "inbox_reply",
    "inbox_replydraft",
    "inbox_approvaldecision",
    "inbox_escalation",
    "quality_reviewsample",
    "quality_review",
)
SEEDED_TABLES = (
    "inbox_customer",
    "inbox_question",
    "inbox_post",
    "inbox_reply",
    "inbox_replydraft",
    "inbox_approvaldecision",
    "inbox_escalation",
    "quality_reviewsample",
    "quality_review",
)


def review_variants() -> tuple[list[str], list[str], list[bool]]:
    """A few ways a reviewer rates a reply on the built-in scorecard, scored by the desk's own scoring."""
    import json

    from quality.scoring import DEFAULT_CATEGORIES, review_score

    variants = [
        {"accuracy": 2, "policy": 1, "tone": 2, "clarity": 2},
        {"accuracy": 2, "policy": 1, "tone": 1, "clarity": 2},
        {"accuracy": 1, "policy": 1, "tone": 2, "clarity": 1},
        {"accuracy": 2, "policy": 1, "tone": 2, "clarity": 1},
        {"accuracy": 0, "policy": 1, "tone": 1, "clarity": 1},
    ]
    ratings, scores, critical = [], [], []
    for variant in variants:
        wanted = {category.key: variant.get(category.key, 1) for category in DEFAULT_CATEGORIES}
        scored = review_score(DEFAULT_CATEGORIES, wanted)
        ratings.append(json.dumps(wanted))
        scores.append(f"{scored.score:.1f}")
        critical.append(scored.critical_failed)
    return ratings, scores, critical


def seed_params(args: argparse.Namespace, configuration: dict, people: dict, now: datetime) -> dict:
    """The parameters of the seed's statements."""
    from django.conf import settings
    from django.utils import timezone

    from quality.models import Scorecard
    from quality.scoring import DEFAULT_CATEGORIES

    total = args.questions
    starts, firsts, counts = hourly_slots(now, args.days, total)
    queues = configuration["queues"]
    slots = configuration["slots"]
    employees = people["employees"]
    per_queue = len(employees) // len(queues)
    if per_queue < 1:
        sys.exit(f"--employees must be at least {len(queues)} (one per queue)")
    scorecard = Scorecard.objects.filter(version=1).first() or Scorecard.objects.create(
        version=1, categories=[category.as_data() for category in DEFAULT_CATEGORIES], published_at=now
    )
    ratings, scores, critical = review_variants()
    zone = settings.TIME_ZONE
    params = {
        "now": now,
        "today": timezone.localdate(now),
        "zone": zone,
        "total": total,
        "starts": starts,
        "firsts": firsts,
        "counts": counts,
        "slot_count": len(slots),
        "slot_rules": [rule for rule, _queue, _priority in slots],
        "slot_queues": [queue for _rule, queue, _priority in slots],
        "slot_priorities": [priority for _rule, _queue, priority in slots],
        "queue_ids": [q.pk for q in queues],
        "queue_count": len(queues),
        "levels": [LEVEL_MINUTES[p] for p in range(4)],
        "pickups": [float(PICKUP_MEAN_MINUTES[p]) for p in range(4)],
        "answered_from": 0.03 + args.unanswered / 100,
        "employee_ids": [e.pk for e in employees],
        "per_queue": per_queue,
        "customers": args.customers,
        "texts": len(ASKED_TEXTS),
        "supervisor_ids": [s.pk for s in people["supervisors"]],
        "supervisor_count": len(people["supervisors"]),
        "department_ids": [d.pk for d in configuration["departments"]],
        "department_count": len(configuration["departments"]),
        "asked": list(ASKED_TEXTS),
        "replies": list(REPLY_TEXTS),
        "scorecard": scorecard.pk,
        "ratings": ratings,
        "scores": scores,
        "critical": critical,
        "variants": len(ratings),
    }
    return params


def seed(args: argparse.Namespace, configuration: dict, people: dict, now: datetime) -> dict:
    params = seed_params(args, configuration, people, now)
    total, starts = params["total"], params["starts"]
    say("Emptying the desk's tables and the report figures")
    reset_desk_tables()
    with maintenance(triggers=False) as session:
        session.execute("TRUNCATE reports_dayfigures RESTART IDENTITY")
    counted = {}
    with maintenance(triggers=False) as session:
        # The whole seed is one session's work; nothing else reads these tables meanwhile.
        session.execute("SET synchronous_commit = off")
        session.execute("SET jit = off")  # compiling the seed's expressions costs more than it saves
        session.execute("SET work_mem = '256MB'")
        session.execute("SET maintenance_work_mem = '512MB'")
        session.execute(FUNCTIONS_SQL)

        def step(label: str, sql: str, extra: dict | None = None) -> int:
            started = time.perf_counter()
            cursor = session.execute(sql, {**params, **(extra or {})})
            rows = cursor.rowcount
            say(f"  {label}: {rows:,} rows in {time.perf_counter() - started:.1f} s")
            return rows

        say(f"Seeding {total:,} questions over {args.days} days ({len(starts):,} hours) with SQL")
        step("each question's facts (temporary table)", FACTS_SQL)
        started = time.perf_counter()
        for statement in STATE_SQL.strip().split(";\n"):
            session.execute(statement, params)
        say(f"  each question's state now: {time.perf_counter() - started:.1f} s")
        counted["inbox_customer"] = step("customers", CUSTOMERS_SQL, {"first": starts[0]})
        chunk = 100_000
        counted["inbox_question"] = counted["inbox_post"] = 0
        started = time.perf_counter()
        for first in range(1, total + 1, chunk):
            last = min(first + chunk - 1, total)
            bounds = {**params, "first": first, "last": last}
            counted["inbox_question"] += session.execute(QUESTIONS_SQL, bounds).rowcount
            counted["inbox_post"] += session.execute(POSTS_SQL, bounds).rowcount
            rate = last / (time.perf_counter() - started)
            say(f"  questions and their posts: {last:,} / {total:,} ({rate:,.0f} a second)")
        counted["inbox_replydraft"] = step("drafts (approved, rejected first, pending)", DRAFTS_SQL)
        counted["inbox_approvaldecision"] = step("approval decisions", DECISIONS_SQL)
        counted["inbox_reply"] = step("replies (answers, acknowledgements, closing replies)", REPLIES_SQL)
        counted["inbox_escalation"] = step("escalations", ESCALATIONS_SQL)
        counted["quality_reviewsample"] = step("quality samples", SAMPLES_SQL)
        counted["quality_review"] = step("reviews", REVIEWS_SQL)
        for name in SEQUENCES:
            session.execute(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), greatest((SELECT max(id) FROM {name}), 1))"  # noqa: S608
            )
        outcome = dict(
            session.execute("SELECT status, count(*) FROM inbox_question GROUP BY status ORDER BY status").fetchall()
        )
        approvals_checked = session.execute(CHECK_APPROVALS_SQL).fetchone()[0]
        session.execute("DROP TABLE bench_fact")
    if approvals_checked:
        sys.exit(
            f"{approvals_checked} replies needing approval name no approval of their exact text: the seed is wrong"
        )
    say("  questions by status: " + ", ".join(f"{status} {n:,}" for status, n in outcome.items()))
    say("VACUUM ANALYZE of the seeded tables (as autovacuum would, before anything reads them)")
    with timed() as vacuum:
        maintain(*(f"VACUUM ANALYZE {name}" for name in SEEDED_TABLES))
    say(f"  {vacuum['seconds']:.1f} s")
    return {"counts": counted, "status": outcome}


# What migration 0006's trigger would have refused, had it been on: a reply needing an approval without an approved
# decision of its exact text for its question.
CHECK_APPROVALS_SQL = """
SELECT count(*) FROM inbox_reply r
LEFT JOIN inbox_approvaldecision d ON d.id = r.approval_id
LEFT JOIN inbox_replydraft x ON x.id = d.draft_id
WHERE (r.needed_approval OR r.approval_id IS NOT NULL)
  AND (d.verdict IS DISTINCT FROM 'approved' OR x.question_id IS DISTINCT FROM r.question_id
       OR d.text_sha256 IS DISTINCT FROM encode(sha256(convert_to(r.text, 'UTF8')), 'hex'))
"""


def seeded_counts() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for name in SEEDED_TABLES:
            cursor.execute(f"SELECT count(*) FROM {name}")  # noqa: S608 - our own table names
            counts[name] = cursor.fetchone()[0]
        cursor.execute("SELECT min(created_at), max(created_at) FROM inbox_question")
        counts["range"] = cursor.fetchone()
    return counts


# --- the worker's rollups -------------------------------------------------------------------------------------------


def ms(seconds: float) -> float:
    return seconds * 1000


def build_rollups(first: date, last: date, now: datetime) -> dict:
    """The whole range through the worker's own refresh_days, timed day by day; then its two periodic jobs."""
    from django.conf import settings

    from reports import rollups

    say(f"Rolling up {first} .. {last} with reports.rollups.refresh_days (the rebuild command's work)")
    per_day: list[float] = []
    rows_written = []
    mark = [time.perf_counter()]

    def progress(day: date, rows: int) -> None:
        now_mark = time.perf_counter()
        per_day.append(now_mark - mark[0])
        rows_written.append(rows)
        mark[0] = now_mark
        if len(per_day) % 10 == 0:
            say(
                f"  {len(per_day)} days ({day}): {statistics.median(per_day[-10:]):.2f} s a day lately, "
                f"{sum(rows_written):,} rows"
            )

    with timed() as rebuild:
        rollups.refresh_days(first, last, now=now, progress=progress)
    full_days = per_day[:-1] or per_day  # today is a partial day
    say(f"  {len(per_day)} days in {rebuild['seconds']:.1f} s, {sum(rows_written):,} rows")
    maintain("VACUUM ANALYZE reports_dayfigures")

    today = rollups.local_day(now)
    recent, one_day = [], []
    for _ in range(3):
        with timed() as job:
            rollups.refresh_days(today - timedelta(days=1), today, now=now)
        recent.append(job["seconds"])
        with timed() as job:
            rollups.refresh_days(today - timedelta(days=3), today - timedelta(days=3), now=now)
        one_day.append(job["seconds"])
    history_days = settings.REPORT_HISTORY_DAYS
    with timed() as nightly:
        rollups.refresh_days(today - timedelta(days=history_days), today, now=now)
    say(
        f"  worker: yesterday + today {statistics.median(recent):.2f} s, one full day {statistics.median(one_day):.2f}"
        f" s, the nightly {history_days + 1} days {nightly['seconds']:.1f} s"
    )
    bare = [bare_day_reads(today - timedelta(days=3)) for _ in range(3)]
    maintain("VACUUM ANALYZE reports_dayfigures")
    return {
        "days": len(per_day),
        "rows": sum(rows_written),
        "rebuild_s": rebuild["seconds"],
        "day_median_s": statistics.median(full_days),
        "day_max_s": max(full_days),
        "recent_s": statistics.median(recent),
        "one_day_s": statistics.median(one_day),
        "nightly_s": nightly["seconds"],
        "nightly_days": history_days + 1,
        "bare_day_s": statistics.median(bare),
    }


def rollup_table(rolled: dict) -> None:
    table(
        ["the worker's rollups", "seconds"],
        [
            [f"rebuild of {rolled['days']} days ({rolled['rows']:,} rows)", rolled["rebuild_s"]],
            ["  one day, median (max)", f"{rolled['day_median_s']:.2f} ({rolled['day_max_s']:.2f})"],
            ["every 10 minutes: yesterday + today", rolled["recent_s"]],
            ["one full day", rolled["one_day_s"]],
            [f"nightly: the last {rolled['nightly_days']} days", rolled["nightly_s"]],
            ["baseline: one day's rows read as bare SQL", rolled["bare_day_s"]],
        ],
    )


# The rows one day's refresh reads, as bare SQL fetched without any Python work on them: the floor of a refresh that
# reads each question of the day (and of the service-level look-back) once.
BARE_DAY_SQL = (
    "SELECT id, queue_id, priority, routing_rule_id, status, created_at, due_at FROM inbox_question "
    "WHERE created_at >= %(from)s AND created_at < %(end)s",
    "SELECT r.question_id, r.sent_at, r.due_at FROM inbox_reply r JOIN inbox_question q ON q.id = r.question_id "
    "WHERE r.status = 'sent' AND q.created_at >= %(from)s AND q.created_at < %(end)s ORDER BY 1, 2",
    "SELECT author_id, created_at, sent_at, claimed_at, written_at FROM inbox_reply "
    "WHERE status = 'sent' AND sent_at >= %(start)s AND sent_at < %(end)s",
    "SELECT count(*) FROM inbox_post WHERE author = 'customer' AND created_at >= %(start)s AND created_at < %(end)s",
    "SELECT r.queue_id, d.verdict, d.edited, d.decided_at, r.submitted_at FROM inbox_approvaldecision d "
    "JOIN inbox_replydraft r ON r.id = d.draft_id WHERE d.decided_at >= %(start)s AND d.decided_at < %(end)s",
    "SELECT department_id, reason, status, created_at, accepted_at, closed_at FROM inbox_escalation "
    "WHERE created_at >= %(start)s - interval '60 days' AND created_at < %(end)s",
)


def bare_day_reads(day: date) -> float:
    from django.db import connection

    from reports import rollups

    start, end = rollups.day_bounds(day)
    values = {"from": start - rollups.longest_window(), "start": start, "end": end}
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for sql in BARE_DAY_SQL:
            cursor.execute(sql, values)
            cursor.fetchall()
    return time.perf_counter() - started


# --- the pages ------------------------------------------------------------------------------------------------------


def period_path(first: date, last: date) -> str:
    from django.urls import reverse

    return f"{reverse('reports:period')}?start={first.isoformat()}&end={last.isoformat()}"


def clear_cache() -> None:
    """Empties the benchmark's own cache (BENCH_REDIS_URL's database): every chart is drawn again. Sessions live in
    PostgreSQL, so the supervisor stays signed in."""
    from django.core.cache import cache

    cache.clear()


def fetch(connection, path: str, cookie: str) -> bytes:
    """One GET on a kept-alive connection (reopened by http.client when the server closed it); anything but 200
    stops the benchmark."""
    connection.request("GET", path, headers={"Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        sys.exit(f"{path} answered {response.status}:\n{body[:2000].decode(errors='replace')}")
    if response.will_close:
        connection.close()
    return body


def sequential(port: int, path: str, cookie: str, count: int, *, cold: bool, images: bool = False) -> list[float]:
    """`count` requests one after the other on one connection, as one person clicking; the cache emptied before each
    when `cold` (not timed). With `images`, each page's linked charts are fetched after it, one after another, and
    counted in its time. Latencies in seconds; any answer but 200 stops the benchmark."""
    import http.client

    latencies = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        for _ in range(count):
            if cold:
                clear_cache()
            started = time.perf_counter()
            body = fetch(connection, path, cookie)
            if images:
                for url in chart_urls(body):
                    fetch(connection, url, cookie)
            latencies.append(time.perf_counter() - started)
    finally:
        connection.close()
    return sorted(latencies)


def drain(port: int, quiet_ms: float = 50.0, longest_s: float = 120.0) -> None:
    """Wait until the server answers the bare view quickly twice in a row: requests a load generator left queued
    (slow pages still running when it stopped) must not count against the next measurement."""
    deadline = time.monotonic() + longest_s
    quick = 0
    while quick < 2 and time.monotonic() < deadline:
        started = time.perf_counter()
        page_bench.get(port, BARE_PATH)
        quick = quick + 1 if ms(time.perf_counter() - started) < quiet_ms else 0


def met(yes: bool) -> str:
    return "yes" if yes else "no"


def pct(ordered: list[float], percent: float) -> float:
    return ms(page_bench.percentile(ordered, percent))


CHART_URL = re.compile(r'<img[^>]*\ssrc="(/[^"]+)"')


def chart_urls(page: bytes) -> list[str]:
    """The charts a page links to as images of their own (none when they are inline data: URIs)."""
    return [unescape(url) for url in CHART_URL.findall(page.decode())]


def check_pages(port: int, cookie: str, week_path: str, expected_asked: int) -> tuple[int, int]:
    """Fail before measuring when the pages do not answer as they must; the week's page size in bytes and how many
    charts it links to as separate images."""
    status, _body = page_bench.get(port, week_path)
    if status != 302:
        sys.exit(f"the report answered {status} without a session (expected a redirect to sign in)")
    status, body = page_bench.get(port, week_path, cookie)
    if status != 200:
        sys.exit(f"the report answered {status} to the supervisor:\n{body[:3000].decode(errors='replace')}")
    text = body.decode()
    if f"{expected_asked:,}" not in text and str(expected_asked) not in text:
        sys.exit(f"the week's report does not show the {expected_asked:,} questions asked in it")
    linked = chart_urls(body)
    if "data:image/svg+xml;base64," not in text and not linked:
        sys.exit("the week's report shows no chart")
    for url in linked:
        status, _image = page_bench.get(port, url, cookie)
        if status != 200:
            sys.exit(f"the chart {url} answered {status}")
    status, today_body = page_bench.get(port, "/reports/", cookie)
    if status != 200:
        sys.exit(f"the today page answered {status}:\n{today_body[:3000].decode(errors='replace')}")
    return len(body), len(linked)


def asked_between(first: date, last: date) -> int:
    from inbox.models import Question
    from reports.rollups import day_bounds

    return Question.objects.filter(created_at__gte=day_bounds(first)[0], created_at__lt=day_bounds(last)[1]).count()


def bare_rollup_read(first: date, last: date, runs: int) -> list[float]:
    """The database's share of a period report: the period's day figures read as text, no JSON decoded."""
    from django.db import connection

    latencies = []
    with connection.cursor() as cursor:
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(
                "SELECT day, subject, queue_id, priority, topic_id, employee_id, department_id, counts::text, "
                "durations::text, listed::text FROM reports_dayfigures WHERE day BETWEEN %s AND %s",
                [first, last],
            )
            cursor.fetchall()
            latencies.append(time.perf_counter() - started)
    return sorted(latencies)


# --- where a request's time goes -------------------------------------------------------------------------------------


def breakdown(first: date, last: date, viewer, runs: int = 3) -> dict:
    """In this process: the period's rows read, the whole report built (figures.period_report), the charts drawn
    (cache emptied) and fetched from the cache, and the whole view rendered through the test client; medians."""
    from django.test import Client
    from django.utils import translation

    from reports import figures, presentation
    from reports.models import DayFigures

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)
    path = period_path(first, last)
    results: dict[str, list[float]] = {
        key: [] for key in ("rows", "report", "report_cached", "charts_cold", "charts_warm", "view_cold", "view_warm")
    }
    report = None
    with translation.override("ja"):
        for _ in range(runs):
            started = time.perf_counter()
            rows = list(
                DayFigures.objects.filter(day__gte=first, day__lte=last)
                .order_by()
                .values_list(
                    "day",
                    "subject",
                    "queue_id",
                    "priority",
                    "topic_id",
                    "employee_id",
                    "department_id",
                    "counts",
                    "durations",
                    "listed",
                )
            )
            results["rows"].append(time.perf_counter() - started)
            # The report's figures added up from the rows (the cache emptied), then as the cache gives them back.
            clear_cache()
            started = time.perf_counter()
            report = figures.period_report(first, last)
            results["report"].append(time.perf_counter() - started)
            started = time.perf_counter()
            figures.period_report(first, last)
            results["report_cached"].append(time.perf_counter() - started)
            for key, cold in (("charts_cold", True), ("charts_warm", False)):
                if cold:
                    clear_cache()
                started = time.perf_counter()
                for chart in presentation.report_charts(report):
                    chart.svg()  # drawn (or fetched from the cache) as the chart's own request does
                results[key].append(time.perf_counter() - started)
            for key, cold in (("view_cold", True), ("view_warm", False)):
                if cold:
                    clear_cache()
                started = time.perf_counter()
                response = client.get(path)
                results[key].append(time.perf_counter() - started)
                if response.status_code != 200:
                    sys.exit(f"the test client's report answered {response.status_code}")
    medians = {key: statistics.median(values) for key, values in results.items()}
    medians["row_count"] = len(rows)
    medians["charts"] = len(presentation.report_charts(report))
    return medians


# What the profile of a request is summed up by: (label, (file name's end, function)), cumulative seconds.
PROFILED = {
    "the whole request (test client)": ("django/test/client.py", "get"),
    "figures.period_report (the selector)": ("reports/figures.py", "period_report"),
    "  SQL executed (every query of the request)": ("django/db/backends/utils.py", "_execute"),
    "  JSON of the day rows decoded": ("json/__init__.py", "loads"),
    "  the day rows added up (_Sum.add)": ("reports/figures.py", "add"),
    "  QA coverage and scores (_quality)": ("reports/figures.py", "_quality"),
    "presentation.page_context (chart data)": ("reports/presentation.py", "page_context"),
    "the template rendered (charts included)": ("django/template/backends/django.py", "render"),
    "  charts drawn or fetched (charts._drawn)": ("replydesk/charts.py", "_drawn"),
    "  matplotlib: figures built (charts._figure)": ("replydesk/charts.py", "_figure"),
}


def profile(first: date, last: date, viewer, path_out: Path) -> list[tuple[str, float, float]]:
    """cProfile of one cold request of the period (cache emptied) through the test client; writes the top of the
    profile to `path_out` and returns the cumulative seconds of the functions that tell where the time goes."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(viewer)
    path = period_path(first, last)
    client.get(path)  # imports and first-use costs out of the way
    clear_cache()
    profiler = cProfile.Profile()
    profiler.enable()
    response = client.get(path)
    profiler.disable()
    if response.status_code != 200:
        sys.exit(f"the profiled report answered {response.status_code}")
    stats = pstats.Stats(profiler)
    buffer = io.StringIO()
    pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(40)
    pstats.Stats(profiler, stream=buffer).sort_stats("tottime").print_stats(25)
    path_out.parent.mkdir(parents=True, exist_ok=True)
    path_out.write_text(buffer.getvalue())
    found = {}
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():
        for label, (suffix, wanted_function) in PROFILED.items():
            if filename.endswith(suffix) and function == wanted_function:
                found[label] = max(found.get(label, 0.0), cumulative)
    total = sum(tt for (_cc, _nc, tt, _cum, _callers) in stats.stats.values())
    return [(label, found[label], total) for label in PROFILED if label in found]


# --- the run --------------------------------------------------------------------------------------------------------


def main() -> None:
    args = parse_args()
    say("Setting up the benchmark database")
    bench_setup()
    from django.conf import settings
    from django.utils import timezone

    from reports.rollups import local_day

    configuration = prepare_configuration()
    people = prepare_people(configuration["queues"], args.employees)
    if args.keep_data:
        counts = seeded_counts()
        if not counts["inbox_question"]:
            sys.exit("--keep-data: no questions seeded; run without it first")
        say(
            f"Keeping the {counts['inbox_question']:,} questions seeded before ({counts['range'][0]:%Y-%m-%d} to "
            f"{counts['range'][1]:%Y-%m-%d %H:%M})"
        )
        first_asked = counts["range"][0]
    else:
        now = timezone.now()
        with timed() as seeding:
            seeded = seed(args, configuration, people, now)
        say(f"Seeded in {seeding['seconds']:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in seeded["counts"].items()))
        first_asked = seeded_counts()["range"][0]
    if args.seed_only:
        return

    load_before = os.getloadavg()[0]
    say(f"Load average before measuring: {load_before:.2f} (other work on this machine skews every figure)")
    now = timezone.now()
    today = local_day(now)
    if args.keep_figures:
        say("Keeping the day figures of the last run: the rollups are not measured")
        rolled = None
    else:
        rolled = build_rollups(local_day(first_asked), today, now)

    yesterday = today - timedelta(days=1)
    periods = {
        "7 days": (yesterday - timedelta(days=6), yesterday),
        "quarter (90 days)": (yesterday - timedelta(days=89), yesterday),
    }
    if (periods["quarter (90 days)"][0] - local_day(first_asked)).days < 0:
        say("  (the seed covers fewer than 91 days: the quarter starts before the first question)")
    viewer = people["viewer"]
    cookie = page_bench.session_cookie(viewer)
    week_first, week_last = periods["7 days"]
    expected = asked_between(week_first, week_last)

    say("Where the time goes, in this process (medians of 3; cache emptied for the cold figures)")
    split = {name: breakdown(first, last, viewer) for name, (first, last) in periods.items()}
    for name, figures_ in split.items():
        say(
            f"  {name}: {figures_['row_count']:,} day rows read {ms(figures_['rows']):.0f} ms; period_report "
            f"{ms(figures_['report']):.0f} ms (from the cache {ms(figures_['report_cached']):.0f} ms); "
            f"{figures_['charts']} charts drawn {ms(figures_['charts_cold']):.0f} ms"
            f" (from the cache {ms(figures_['charts_warm']):.1f} ms); whole view cold {ms(figures_['view_cold']):.0f}"
            f" ms, warm {ms(figures_['view_warm']):.0f} ms"
        )
    profile_path = ROOT / "var" / "bench" / "reports-profile.txt"
    profiled = profile(*periods["quarter (90 days)"], viewer, profile_path)
    say(f"  cProfile of one cold quarter request (top functions in {profile_path}):")
    for label, seconds, _total in profiled:
        say(f"    {label}: {ms(seconds):.0f} ms")

    generator = page_bench.load_generator(args.generator, args.connections)
    log_path = ROOT / "var" / "bench" / "reports-gunicorn.log"
    sequential_results: dict[str, list[float]] = {}
    load_results = {}
    try:
        say(f"Starting gunicorn ({args.workers} workers, production settings); log in {log_path}")
        with page_bench.gunicorn(args.workers, log_path) as (port, _master_pid):
            page_bytes, linked = check_pages(port, cookie, period_path(week_first, week_last), expected)
            say(
                f"The reports answer 200 (the week's page: {page_bytes:,} bytes, {expected:,} questions asked, "
                + (f"{linked} charts linked as images)" if linked else "charts inline)")
            )
            targets = []
            for name, (first, last) in periods.items():
                targets += [(f"{name}, cold", period_path(first, last), True, False)]
                if linked:
                    targets += [(f"{name}, cold, with its {linked} charts", period_path(first, last), True, True)]
                targets += [(f"{name}, warm", period_path(first, last), False, False)]
            targets += [
                ("today page", "/reports/", False, False),
                ("bare view, signed in (baseline)", BARE_PATH, False, False),
            ]
            for label, path, cold, images in targets:
                say(f"{label}: {args.requests} requests one at a time")
                page_bench.get(port, path, cookie)  # the first request of a worker imports what it needs
                page_bench.get(port, path, cookie)
                sequential_results[label] = sequential(port, path, cookie, args.requests, cold=cold, images=images)
                say(f"  p50 {pct(sequential_results[label], 50):.1f} ms, p95 {pct(sequential_results[label], 95):.1f}")
            # The fastest first; after each run the server is left to finish what the load generator left queued.
            for label, path in (
                ("bare view, signed in (baseline)", BARE_PATH),
                ("today page", "/reports/"),
                ("7 days, warm", period_path(*periods["7 days"])),
                ("quarter (90 days), warm", period_path(*periods["quarter (90 days)"])),
            ):
                say(f"{label}: {args.duration:g} s with {generator.name}, {args.connections} connections")
                load_results[label] = generator.run(port, path, cookie, args.duration)
                drain(port)
                result = load_results[label]
                say(f"  {result.per_second:,.1f} requests/s, p95 {result.p95_ms:.1f} ms, not 200: {result.not_ok}")
    finally:
        generator.close()

    bare_sql = {name: bare_rollup_read(first, last, args.requests) for name, (first, last) in periods.items()}
    bare_view = sequential_results["bare view, signed in (baseline)"]
    rows = []
    for label, latencies in sequential_results.items():
        rows.append(
            [
                label,
                len(latencies),
                pct(latencies, 50),
                pct(latencies, 95),
                pct(latencies, 99),
                pct(latencies, 95) / pct(bare_view, 95),
            ]
        )
    for name, latencies in bare_sql.items():
        rows.append(
            [
                f"bare SQL: the {name} day rows, as text (baseline)",
                len(latencies),
                pct(latencies, 50),
                pct(latencies, 95),
                pct(latencies, 99),
                "",
            ]
        )
    table(["one request at a time", "requests", "p50 ms", "p95 ms", "p99 ms", "p95 / bare view p95"], rows)
    bare_load = load_results["bare view, signed in (baseline)"]
    table(
        [
            f"{generator.name}, {args.connections} connections, {args.duration:g} s",
            "requests",
            "req/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "not 200",
            "req/s ÷ bare",
        ],
        [
            [
                label,
                r.requests,
                r.per_second,
                r.p50_ms,
                r.p95_ms,
                r.p99_ms,
                r.not_ok + r.socket_errors,
                r.per_second / bare_load.per_second if bare_load.per_second else 0.0,
            ]
            for label, r in load_results.items()
        ],
    )
    if rolled:
        rollup_table(rolled)
    week_cold = pct(sequential_results["7 days, cold"], 95)
    week_warm = pct(sequential_results["7 days, warm"], 95)
    quarter_cold = pct(sequential_results["quarter (90 days), cold"], 95)
    quarter_warm = pct(sequential_results["quarter (90 days), warm"], 95)
    table(
        ["figure", "measured", "target", "met?"],
        [
            ["7 days, p95 cold (ms)", week_cold, f"< {TARGET_WEEK_P95_MS:g}", met(week_cold < TARGET_WEEK_P95_MS)],
            ["7 days, p95 warm (ms)", week_warm, f"< {TARGET_WEEK_P95_MS:g}", met(week_warm < TARGET_WEEK_P95_MS)],
            [
                "quarter, p95 cold (ms)",
                quarter_cold,
                f"< {TARGET_QUARTER_P95_MS:g}",
                met(quarter_cold < TARGET_QUARTER_P95_MS),
            ],
            [
                "quarter, p95 warm (ms)",
                quarter_warm,
                f"< {TARGET_QUARTER_P95_MS:g}",
                met(quarter_warm < TARGET_QUARTER_P95_MS),
            ],
        ],
    )
    say(
        f"{args.questions:,} questions over {args.days} days; gunicorn {args.workers} workers; TIME_ZONE "
        f"{settings.TIME_ZONE}; periods {periods['7 days'][0]}..{periods['7 days'][1]} and "
        f"{periods['quarter (90 days)'][0]}..{periods['quarter (90 days)'][1]}"
    )
    week_split, quarter_split = split["7 days"], split["quarter (90 days)"]
    figures(
        questions=args.questions,
        days=args.days,
        week_cold_p50_ms=pct(sequential_results["7 days, cold"], 50),
        week_cold_p95_ms=week_cold,
        week_warm_p50_ms=pct(sequential_results["7 days, warm"], 50),
        week_warm_p95_ms=week_warm,
        quarter_cold_p50_ms=pct(sequential_results["quarter (90 days), cold"], 50),
        quarter_cold_p95_ms=quarter_cold,
        quarter_warm_p50_ms=pct(sequential_results["quarter (90 days), warm"], 50),
        quarter_warm_p95_ms=quarter_warm,
        today_p95_ms=pct(sequential_results["today page"], 95),
        bare_p95_ms=pct(bare_view, 95),
        week_ratio=week_cold / pct(bare_view, 95),
        quarter_ratio=quarter_cold / pct(bare_view, 95),
        bare_sql_week_p95_ms=pct(bare_sql["7 days"], 95),
        bare_sql_quarter_p95_ms=pct(bare_sql["quarter (90 days)"], 95),
        week_warm_rps=load_results["7 days, warm"].per_second,
        quarter_warm_rps=load_results["quarter (90 days), warm"].per_second,
        today_rps=load_results["today page"].per_second,
        bare_rps=bare_load.per_second,
        week_report_ms=ms(week_split["report"]),
        quarter_report_ms=ms(quarter_split["report"]),
        quarter_report_cached_ms=ms(quarter_split["report_cached"]),
        quarter_charts_cold_ms=ms(quarter_split["charts_cold"]),
        rebuild_s=rolled["rebuild_s"] if rolled else "-",
        rollup_day_s=rolled["day_median_s"] if rolled else "-",
        worker_recent_s=rolled["recent_s"] if rolled else "-",
        worker_one_day_s=rolled["one_day_s"] if rolled else "-",
        worker_nightly_s=rolled["nightly_s"] if rolled else "-",
        bare_day_read_s=rolled["bare_day_s"] if rolled else "-",
        load_average=f"{load_before:.1f}/{os.getloadavg()[0]:.1f}",
    )


if __name__ == "__main__":
    main()
