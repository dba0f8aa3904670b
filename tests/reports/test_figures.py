"""The report's figures, each pinned to its definition (reports/rollups.py's docstring, issue 17, the research's §4.3)
on questions asked, answered, approved and escalated through the desk's own services at known moments.

The week reported is Monday 9 to Sunday 15 November 2026 on the desk's clock (Tokyo); the worker's refresh runs long
after it (AFTER) unless a test is about what a refresh sees earlier.
"""

import contextlib
import threading
from datetime import UTC, date, datetime, timedelta

import pytest

from inbox import claims, escalations, services
from inbox.models import Escalation, Question, Reply, ReplyDraft
from reports import rollups
from reports.models import DayFigures
from tests.concurrency import at_once

from .conftest import NEEDS_APPROVAL, jst

MINUTE = 60
HOUR = 3600
MONDAY, TUESDAY, WEDNESDAY, THURSDAY = (date(2026, 11, day) for day in (9, 10, 11, 12))
SUNDAY = date(2026, 11, 15)
NEXT_MONDAY, NEXT_SUNDAY = date(2026, 11, 16), date(2026, 11, 22)
AFTER = jst("2026-11-30 12:00")


def service_level(report: dict) -> dict:
    return report["totals"]["service_level"]


def frt(report: dict) -> dict:
    return report["totals"]["frt"]


def department(report: dict) -> dict:
    (row,) = report["departments"]
    return row


def stored_rows(day: date) -> list[tuple]:
    return sorted(
        DayFigures.objects.filter(day=day).values_list(
            "subject",
            "queue_id",
            "priority",
            "topic_id",
            "employee_id",
            "department_id",
            "counts",
            "durations",
            "listed",
        ),
        key=repr,
    )


# --- a question's time ---------------------------------------------------------------------------------------------


def test_a_questions_time_is_its_post_on_x_not_when_the_desk_fetched_it(report_desk):
    question = report_desk.ask(jst("2026-11-10 23:50"))
    assert question.created_at == jst("2026-11-10 23:50")
    assert question.received_at > question.created_at  # fetched long after the customer wrote
    report_desk.answer(
        question, claimed=jst("2026-11-11 00:10"), written=jst("2026-11-11 00:15"), posted=jst("2026-11-11 00:20")
    )

    tuesday = report_desk.report(TUESDAY, TUESDAY, now=AFTER)
    assert tuesday["totals"]["asked"] == 1 and tuesday["totals"]["answered"] == 1
    assert frt(tuesday)["median"] == 30 * MINUTE
    assert tuesday["by_hour"][23] == 1 and tuesday["by_weekday"][TUESDAY.weekday()] == 1
    wednesday = report_desk.report(WEDNESDAY, WEDNESDAY, now=AFTER)
    assert wednesday["totals"]["asked"] == 0 and frt(wednesday)["n"] == 0
    # Its window (60 minutes from the post on X) closed on Wednesday at 00:50: counted there, in time.
    assert service_level(wednesday) == {"closed": 1, "in_time": 1, "late": 0, "unanswered": 0, "percent": 100.0}
    assert service_level(tuesday)["closed"] == 0


def test_a_day_is_the_desks_local_day_not_the_utc_day(report_desk):
    # 08:30 in Tokyo on Tuesday is still Monday (23:30) in UTC.
    early = report_desk.ask(jst("2026-11-10 08:30"))
    assert early.created_at.astimezone(UTC).date() == MONDAY
    report_desk.ask(jst("2026-11-10 23:59:59"))
    report_desk.ask(jst("2026-11-11 00:00:00"))

    report = report_desk.report(MONDAY, WEDNESDAY, now=AFTER)
    assert [day["asked"] for day in report["by_day"]] == [0, 2, 1]
    assert [day["day"] for day in report["by_day"]] == ["2026-11-09", "2026-11-10", "2026-11-11"]
    assert (report["by_hour"][8], report["by_hour"][23], report["by_hour"][0]) == (1, 1, 1)
    assert report["by_weekday"][:3] == [0, 2, 1]
    assert report_desk.report(MONDAY, MONDAY, now=AFTER)["totals"]["asked"] == 0


def test_volume_counts_questions_by_queue_priority_topic_and_hour(report_desk):
    report_desk.ask(jst("2026-11-10 10:00"), "Where is my order?")
    report_desk.ask(jst("2026-11-10 10:30"), "My order is late")
    report_desk.ask(jst("2026-11-11 14:00"), "Can you repair my kettle?")

    report = report_desk.report(MONDAY, SUNDAY, now=AFTER)
    assert [(row["name"], row["asked"]) for row in report["by_queue"]] == [("Queue A", 2), ("Queue B", 1)]
    assert report["by_topic"] == [{"topic": "Orders", "asked": 2}, {"topic": "Repairs", "asked": 1}]
    assert report["by_priority"] == [{"priority": 1, "asked": 3}]
    assert (report["by_hour"][10], report["by_hour"][14], sum(report["by_hour"])) == (2, 1, 3)
    assert report["by_weekday"] == [0, 2, 1, 0, 0, 0, 0]


def test_day_bounds_are_local_midnights_even_on_a_clock_change(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    start, end = rollups.day_bounds(TUESDAY)
    assert (start, end) == (jst("2026-11-10 00:00"), jst("2026-11-11 00:00"))
    assert rollups.local_day(datetime(2026, 11, 9, 15, 0, tzinfo=UTC)) == TUESDAY
    settings.TIME_ZONE = "America/New_York"
    start, end = rollups.day_bounds(date(2026, 11, 1))  # clocks went back an hour that night
    # (Aware datetimes of one zone subtract as wall clocks: the instants are compared in UTC.)
    assert end.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=25)
    assert (start.astimezone(UTC).hour, end.astimezone(UTC).hour) == (4, 5)


# --- first response time -------------------------------------------------------------------------------------------


def test_the_first_response_is_the_replys_posting_on_x_not_its_writing_or_queueing(report_desk):
    question = report_desk.ask(jst("2026-11-10 10:00"))
    reply = report_desk.write(question, claimed=jst("2026-11-10 10:05"), written=jst("2026-11-10 10:10"))
    assert isinstance(reply, Reply)

    # Queued at 10:10, not yet on X: no first response yet.
    report = report_desk.report(TUESDAY, TUESDAY, now=jst("2026-11-10 10:30"))
    assert report["totals"]["answered"] == 0 and frt(report)["n"] == 0

    report_desk.post(reply, queued=jst("2026-11-10 10:10"), posted=jst("2026-11-10 10:40"))
    report = report_desk.report(TUESDAY, TUESDAY, now=AFTER)
    assert report["totals"]["answered"] == 1
    assert frt(report) == {"n": 1, "median": 40 * MINUTE, "p90": 40 * MINUTE, "mean": 40 * MINUTE}


def test_internal_actions_are_not_a_first_response(report_desk):
    question = report_desk.ask(jst("2026-11-10 10:00"))
    held = report_desk.claim(question, report_desk.people.employee_a, jst("2026-11-10 10:02"))
    claims.release(held, actor=report_desk.people.employee_a)
    # Escalated with an internal note, but the customer is told nothing on X.
    report_desk.escalate(Question.objects.get(pk=question.pk), jst("2026-11-10 10:05"), note="Charged twice")

    report = report_desk.report(TUESDAY, TUESDAY, now=AFTER)
    assert report["totals"]["answered"] == 0 and frt(report)["n"] == 0
    assert service_level(report) == {"closed": 1, "in_time": 0, "late": 0, "unanswered": 1, "percent": 0.0}


def test_a_posted_escalation_acknowledgement_is_the_first_response(report_desk):
    question = report_desk.ask(jst("2026-11-10 10:00"))
    escalation = report_desk.escalate(question, jst("2026-11-10 10:05"))
    acknowledgement = report_desk.answer(
        Question.objects.get(pk=question.pk),
        body="Our payments team will take care of this.",
        claimed=jst("2026-11-10 10:10"),
        written=jst("2026-11-10 10:12"),
        posted=jst("2026-11-10 10:15"),
    )
    assert acknowledgement.purpose == Reply.Purpose.ACKNOWLEDGEMENT
    escalations.accept(escalation, actor=report_desk.member, now=jst("2026-11-10 10:30"))
    closing = report_desk.answer(
        Question.objects.get(pk=question.pk),
        by=report_desk.member,
        body="It is settled: the money is back on your card.",
        claimed=jst("2026-11-10 14:50"),
        written=jst("2026-11-10 14:55"),
        posted=jst("2026-11-10 15:00"),
    )
    assert closing.purpose == Reply.Purpose.CLOSING

    report = report_desk.report(TUESDAY, TUESDAY, now=AFTER)
    # From the post on X to the acknowledgement on X; the closing reply does not move it.
    assert frt(report) == {"n": 1, "median": 15 * MINUTE, "p90": 15 * MINUTE, "mean": 15 * MINUTE}
    assert report["totals"]["answered"] == 1
    assert service_level(report)["in_time"] == 1
    assert report["totals"]["replies"] == 2


def test_median_and_90th_percentile_are_nearest_rank_over_the_questions(report_desk):
    waits = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]  # minutes, each a whole bucket step
    questions = [report_desk.ask(jst("2026-11-10 09:00") + timedelta(minutes=10 * n)) for n in range(len(waits))]
    for question, wait in zip(questions, waits, strict=True):
        posted = question.created_at + timedelta(minutes=wait)
        report_desk.answer(
            question, claimed=posted - timedelta(seconds=40), written=posted - timedelta(seconds=10), posted=posted
        )

    report = report_desk.report(TUESDAY, TUESDAY, now=AFTER)
    # 10 questions: the median is the 5th smallest wait, the 90th percentile the 9th; the mean is secondary.
    expected = {"n": 10, "median": 8 * MINUTE, "p90": 55 * MINUTE, "mean": sum(waits) * MINUTE // 10}
    assert frt(report) == expected
    (queue_a,) = report["by_queue"]
    assert queue_a["name"] == "Queue A" and queue_a["frt"] == expected
    # Only the 89 minutes missed the 60-minute level.
    assert service_level(report) == {"closed": 10, "in_time": 9, "late": 1, "unanswered": 0, "percent": 90.0}


# --- service level -------------------------------------------------------------------------------------------------


def test_service_level_counts_the_questions_whose_window_closed_in_the_period(report_desk):
    desk = report_desk
    in_time = desk.ask(jst("2026-11-10 10:00"))
    late = desk.ask(jst("2026-11-10 11:00"))
    desk.ask(jst("2026-11-11 10:00"))  # never answered
    spam = desk.ask(jst("2026-11-11 11:00"))
    duplicate = desk.ask(jst("2026-11-12 09:00"))
    answered_next_week = desk.ask(jst("2026-11-15 20:00"))
    window_closes_next_week = desk.ask(jst("2026-11-15 23:30"))

    desk.answer(
        in_time, claimed=jst("2026-11-10 10:20"), written=jst("2026-11-10 10:25"), posted=jst("2026-11-10 10:30")
    )
    desk.answer(late, claimed=jst("2026-11-10 12:20"), written=jst("2026-11-10 12:25"), posted=jst("2026-11-10 12:30"))
    for question in (spam, duplicate):
        services.close_question(question, actor=desk.people.supervisor, reason="Nothing to answer")
    desk.answer(
        answered_next_week,
        claimed=jst("2026-11-17 08:50"),
        written=jst("2026-11-17 08:55"),
        posted=jst("2026-11-17 09:00"),
    )
    desk.answer(
        window_closes_next_week,
        claimed=jst("2026-11-16 00:00"),
        written=jst("2026-11-16 00:05"),
        posted=jst("2026-11-16 00:10"),
    )

    week = desk.report(MONDAY, SUNDAY, now=AFTER)
    # Windows closed in the week: in time (Tuesday 10:00), late (Tuesday 11:00, and Sunday 20:00 answered on the
    # next Tuesday), unanswered (Wednesday 10:00). The two closed without an answer are listed instead; Sunday
    # 23:30's window closed on the next Monday.
    assert service_level(week) == {"closed": 4, "in_time": 1, "late": 2, "unanswered": 1, "percent": 25.0}
    assert week["totals"]["asked"] == 7 and week["totals"]["answered"] == 4
    assert week["totals"]["closed_unanswered"] == 2
    assert week["closed_unanswered"] == [
        {"id": question.pk, "queue": "Queue A", "asked_at": question.created_at.isoformat()}
        for question in (spam, duplicate)
    ]
    # Asked in the week, so its first response time counts here, however long after the week it came.
    assert frt(week) == {"n": 4, "median": 40 * MINUTE, "p90": 37 * HOUR, "mean": (1800 + 2400 + 5400 + 37 * HOUR) // 4}

    next_week = desk.report(NEXT_MONDAY, NEXT_SUNDAY, now=AFTER)
    assert service_level(next_week) == {"closed": 1, "in_time": 1, "late": 0, "unanswered": 0, "percent": 100.0}
    assert next_week["totals"]["asked"] == 0 and next_week["closed_unanswered"] == []


def test_a_question_still_inside_its_window_is_not_counted_until_the_window_closes(report_desk):
    desk = report_desk
    desk.ask(jst("2026-11-10 08:00"))  # never answered
    waiting = desk.ask(jst("2026-11-10 10:00"))

    report = desk.report(TUESDAY, TUESDAY, now=jst("2026-11-10 10:30"))
    assert service_level(report) == {"closed": 1, "in_time": 0, "late": 0, "unanswered": 1, "percent": 0.0}
    assert report["totals"]["asked"] == 2

    # At the very moment the window closes it has closed.
    report = desk.report(TUESDAY, TUESDAY, now=jst("2026-11-10 11:00"))
    assert service_level(report)["unanswered"] == 2

    desk.answer(
        waiting, claimed=jst("2026-11-10 11:10"), written=jst("2026-11-10 11:15"), posted=jst("2026-11-10 11:20")
    )
    answered_in_time = desk.ask(jst("2026-11-10 11:30"))
    desk.answer(
        answered_in_time,
        claimed=jst("2026-11-10 11:35"),
        written=jst("2026-11-10 11:40"),
        posted=jst("2026-11-10 11:45"),
    )
    # Answered in time but its window is still open at noon: not counted yet, in time or otherwise.
    report = desk.report(TUESDAY, TUESDAY, now=jst("2026-11-10 12:00"))
    assert service_level(report) == {"closed": 2, "in_time": 0, "late": 1, "unanswered": 1, "percent": 0.0}
    assert frt(report)["n"] == 2

    report = desk.report(TUESDAY, TUESDAY, now=jst("2026-11-10 12:30"))
    assert service_level(report) == {"closed": 3, "in_time": 1, "late": 1, "unanswered": 1, "percent": 33.3}


def test_a_reply_posted_at_the_windows_last_moment_is_in_time(report_desk):
    question = report_desk.ask(jst("2026-11-10 10:00"))
    report_desk.answer(
        question, claimed=jst("2026-11-10 10:50"), written=jst("2026-11-10 10:55"), posted=jst("2026-11-10 11:00")
    )
    report = report_desk.report(TUESDAY, TUESDAY, now=AFTER)
    assert service_level(report)["in_time"] == 1


def test_a_question_closed_without_an_answer_and_reopened_later_stays_listed_as_closed_unanswered(report_desk):
    desk = report_desk
    question = desk.ask(jst("2026-11-09 10:00"))
    services.close_question(question, actor=desk.people.supervisor, reason="Nothing to answer")
    # Three days later the customer writes again: a new round, open, its window 60 minutes from the follow-up.
    question = desk.follow_up(question, jst("2026-11-12 10:00"), "You closed this but I still have no order!")
    assert question.status == Question.Status.OPEN and question.round == 2

    week = desk.report(MONDAY, SUNDAY, now=AFTER)
    # Its first round ended without an answer: listed as such (on the day it was asked), and neither a first
    # response nor a service-level window of the first round.
    assert week["totals"]["closed_unanswered"] == 1
    assert [row["id"] for row in week["closed_unanswered"]] == [question.pk]
    assert service_level(week)["closed"] == 0
    assert week["totals"]["frt"]["n"] == 0


# --- handle time, approvals, send lag ------------------------------------------------------------------------------


def a_plain_reply_and_an_approved_one(desk) -> None:
    """E100's plain reply (claimed 10:00, queued 10:07, posted 30 s later), and one that needed approval (claimed
    11:00, sent for approval 11:04, approved 11:19, posted 45 s later)."""
    plain = desk.ask(jst("2026-11-10 09:55"))
    desk.answer(
        plain, claimed=jst("2026-11-10 10:00"), written=jst("2026-11-10 10:07"), posted=jst("2026-11-10 10:07:30")
    )
    needing_approval = desk.ask(jst("2026-11-10 10:30"))
    draft = desk.write(
        needing_approval, claimed=jst("2026-11-10 11:00"), written=jst("2026-11-10 11:04"), body=NEEDS_APPROVAL
    )
    assert isinstance(draft, ReplyDraft)
    reply = desk.approve(draft, jst("2026-11-10 11:19"))
    desk.post(reply, queued=jst("2026-11-10 11:19"), posted=jst("2026-11-10 11:19:45"))


def test_handle_time_runs_from_the_claim_to_the_reply_leaving_the_authors_hands(report_desk):
    a_plain_reply_and_an_approved_one(report_desk)
    assert Reply.objects.filter(claimed_at=None).count() == 0

    report = report_desk.report(TUESDAY, TUESDAY, now=AFTER)
    (e100,) = report["employees"]
    # 7 minutes for the plain reply; 4 for the one that then waited for its approver (not the author's time).
    assert e100["handle"] == {"n": 2, "median": 4 * MINUTE, "p90": 7 * MINUTE, "mean": 330}
    assert report["totals"]["handle"] == e100["handle"]


def test_a_reply_that_waited_for_approval_counts_its_authors_time_until_it_was_sent_for_approval(report_desk):
    a_plain_reply_and_an_approved_one(report_desk)
    report = report_desk.report(TUESDAY, TUESDAY, now=AFTER)
    (e100,) = report["employees"]
    assert (e100["number"], e100["replies"]) == ("E100", 2)
    assert e100["handle"]["median"] == 4 * MINUTE


def test_approval_wait_runs_from_submission_to_decision_and_send_lag_from_queued_to_posted(report_desk):
    a_plain_reply_and_an_approved_one(report_desk)
    report = report_desk.report(TUESDAY, TUESDAY, now=AFTER)
    assert report["totals"]["approval_wait"] == {"n": 1, "median": 15 * MINUTE, "p90": 15 * MINUTE, "mean": 900}
    # Queued → posted: 30 s, and 45 s after the approval queued it (the approver's 15 minutes are not send lag).
    assert report["totals"]["send_lag"] == {"n": 2, "median": 30, "p90": 45, "mean": 38}
    (queue_a,) = report["approvals"]
    assert queue_a == {
        "queue": "Queue A",
        "decided": 1,
        "approved": 1,
        "rejected": 0,
        "edited": 0,
        "wait": {"n": 1, "median": 15 * MINUTE, "p90": 15 * MINUTE, "mean": 900},
    }


def test_approval_wait_counts_each_decision_from_its_submission(report_desk):
    desk = report_desk
    question = desk.ask(jst("2026-11-10 13:00"))
    first = desk.write(question, claimed=jst("2026-11-10 13:05"), written=jst("2026-11-10 13:10"), body=NEEDS_APPROVAL)
    desk.reject(first, jst("2026-11-10 13:20"))
    question.refresh_from_db()
    second = services.send_reply(
        question,
        actor=desk.people.employee_a,
        token=str(question.claim_token),
        body=NEEDS_APPROVAL + " 3日以内です。",
        now=jst("2026-11-10 13:25"),
    )
    assert isinstance(second, ReplyDraft)
    reply = desk.approve(second, jst("2026-11-10 13:40"), edited_body=NEEDS_APPROVAL + " 3営業日以内です。")
    desk.post(reply, queued=jst("2026-11-10 13:40"), posted=jst("2026-11-10 13:41"))

    report = desk.report(TUESDAY, TUESDAY, now=AFTER)
    (queue_a,) = report["approvals"]
    # Rejected after 10 minutes; the second version approved (with the approver's edit) 15 minutes after it was sent.
    assert queue_a == {
        "queue": "Queue A",
        "decided": 2,
        "approved": 1,
        "rejected": 1,
        "edited": 1,
        "wait": {"n": 2, "median": 10 * MINUTE, "p90": 15 * MINUTE, "mean": 750},
    }


def test_each_figure_falls_on_the_day_of_its_own_event(report_desk):
    desk = report_desk
    question = desk.ask(jst("2026-11-10 23:30"))
    draft = desk.write(question, claimed=jst("2026-11-10 23:40"), written=jst("2026-11-10 23:45"), body=NEEDS_APPROVAL)
    reply = desk.approve(draft, jst("2026-11-10 23:55"))
    desk.post(reply, queued=jst("2026-11-10 23:55"), posted=jst("2026-11-11 00:05"))

    tuesday = desk.report(TUESDAY, TUESDAY, now=AFTER)
    # Asked and decided on Tuesday; the first response time belongs to the question's day.
    assert tuesday["totals"]["asked"] == 1 and frt(tuesday)["median"] == 35 * MINUTE
    assert tuesday["totals"]["approval_wait"]["median"] == 10 * MINUTE
    assert tuesday["totals"]["replies"] == 0 and tuesday["employees"] == [] and tuesday["totals"]["send_lag"]["n"] == 0

    wednesday = desk.report(WEDNESDAY, WEDNESDAY, now=AFTER)
    # Posted on Wednesday: the reply, its author's handle time and its send lag are Wednesday's.
    assert wednesday["totals"]["asked"] == 0 and wednesday["totals"]["approval_wait"]["n"] == 0
    assert wednesday["totals"]["replies"] == 1
    assert [(row["number"], row["replies"], row["handle"]["median"]) for row in wednesday["employees"]] == [
        ("E100", 1, 5 * MINUTE)
    ]
    assert wednesday["totals"]["send_lag"]["median"] == 10 * MINUTE


# --- escalations ---------------------------------------------------------------------------------------------------


def test_escalations_per_department_count_each_step_on_its_own_day(report_desk):
    desk = report_desk
    accepted = desk.ask(jst("2026-11-10 09:00"))
    returned = desk.ask(jst("2026-11-11 09:00"))

    first = desk.escalate(accepted, jst("2026-11-10 10:00"))
    desk.answer(
        Question.objects.get(pk=accepted.pk),
        body="Our payments team will take care of this.",
        claimed=jst("2026-11-10 10:05"),
        written=jst("2026-11-10 10:08"),
        posted=jst("2026-11-10 10:10"),
    )
    escalations.accept(first, actor=desk.member, now=jst("2026-11-10 10:30"))
    escalations.resolve(first, actor=desk.member, outcome="refund_issued", now=jst("2026-11-12 15:00"))
    second = desk.escalate(returned, jst("2026-11-11 09:30"), reason=Escalation.Reason.COMPLAINT)
    escalations.return_to_queue(second, actor=desk.member, note="The desk can answer this", now=jst("2026-11-11 12:00"))

    tuesday = department(desk.report(TUESDAY, TUESDAY, now=AFTER))
    assert (tuesday["escalated"], tuesday["accepted"], tuesday["resolved"], tuesday["returned"]) == (1, 1, 0, 0)
    assert tuesday["reasons"] == {"responsibility": 1}
    assert tuesday["accept"] == {"n": 1, "median": 30 * MINUTE, "p90": 30 * MINUTE, "mean": 1800}
    assert tuesday["resolve"]["n"] == 0

    wednesday = department(desk.report(WEDNESDAY, WEDNESDAY, now=AFTER))
    assert (wednesday["escalated"], wednesday["accepted"], wednesday["resolved"], wednesday["returned"]) == (1, 0, 0, 1)
    assert wednesday["reasons"] == {"complaint": 1}

    thursday = department(desk.report(THURSDAY, THURSDAY, now=AFTER))
    assert (thursday["escalated"], thursday["accepted"], thursday["resolved"], thursday["returned"]) == (0, 0, 1, 0)
    # Resolved 2 days and 5 hours after it was escalated.
    assert thursday["resolve"] == {"n": 1, "median": 53 * HOUR, "p90": 53 * HOUR, "mean": 53 * HOUR}

    week = department(desk.report(MONDAY, SUNDAY, now=AFTER))
    assert week["name"] == {"ja": "返金チーム", "en": "Payments team"}
    assert (week["escalated"], week["accepted"], week["resolved"], week["returned"]) == (2, 1, 1, 1)
    assert week["reasons"] == {"complaint": 1, "responsibility": 1}


# --- the worker's refresh ------------------------------------------------------------------------------------------


def test_refreshing_a_day_twice_writes_the_same_rows(report_desk):
    desk = report_desk
    answered = desk.ask(jst("2026-11-10 10:00"))
    desk.ask(jst("2026-11-10 11:00"))
    desk.answer(
        answered, claimed=jst("2026-11-10 10:10"), written=jst("2026-11-10 10:15"), posted=jst("2026-11-10 10:20")
    )

    written = rollups.refresh_day(TUESDAY, now=AFTER)
    first = stored_rows(TUESDAY)
    assert rollups.refresh_day(TUESDAY, now=AFTER) == written == len(first)
    assert stored_rows(TUESDAY) == first
    assert DayFigures.objects.filter(day=TUESDAY).count() == written


def test_refreshing_a_day_replaces_it_whole_and_only_it(report_desk):
    desk = report_desk
    question = desk.ask(jst("2026-11-10 10:00"))
    rollups.refresh_day(TUESDAY, now=jst("2026-11-10 12:00"))
    assert service_level(desk.report(TUESDAY, TUESDAY, now=jst("2026-11-10 12:00")))["unanswered"] == 1
    # Rows the day's figures no longer give (a stale subject) go; another day's stay.
    DayFigures.objects.create(day=TUESDAY, subject="desk", counts={"replies": 99}, computed_at=AFTER)
    DayFigures.objects.create(day=WEDNESDAY, subject="desk", counts={"replies": 7}, computed_at=AFTER)

    desk.answer(
        question, claimed=jst("2026-11-10 12:10"), written=jst("2026-11-10 12:15"), posted=jst("2026-11-10 12:20")
    )
    rollups.refresh_day(TUESDAY, now=jst("2026-11-10 13:00"))
    assert not DayFigures.objects.filter(day=TUESDAY, counts__replies=99).exists()
    assert DayFigures.objects.filter(day=WEDNESDAY, counts__replies=7).exists()
    report = desk.report(TUESDAY, TUESDAY, now=jst("2026-11-10 13:00"))
    assert service_level(report) == {"closed": 1, "in_time": 0, "late": 1, "unanswered": 0, "percent": 0.0}
    assert report["totals"]["replies"] == 1
    assert datetime.fromisoformat(report["computed_at"]) == jst("2026-11-10 13:00")


def test_refreshing_a_range_stops_at_today(report_desk):
    report_desk.ask(jst("2026-11-10 10:00"))
    written = rollups.refresh_days(MONDAY, SUNDAY, now=jst("2026-11-10 12:00"))
    assert written == DayFigures.objects.count() > 0
    assert set(DayFigures.objects.values_list("day", flat=True)) <= {MONDAY, TUESDAY}


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_one_day_at_once_leave_the_rows_of_one(report_desk, monkeypatch):
    report_desk.ask(jst("2026-11-10 10:00"))
    rollups.refresh_day(TUESDAY, now=AFTER)
    once = stored_rows(TUESDAY)
    DayFigures.objects.filter(day=TUESDAY).delete()

    # Line the two refreshes up after their DELETEs, before their INSERTs: the moment a real race hits, every time.
    # With the day's lock the second never gets here while the first waits, and the barrier gives up.
    both_deleted = threading.Barrier(2, timeout=3)
    bulk_create = DayFigures.objects.bulk_create

    def bulk_create_once_both_deleted(rows, *args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            both_deleted.wait()
        return bulk_create(rows, *args, **kwargs)

    monkeypatch.setattr(DayFigures.objects, "bulk_create", bulk_create_once_both_deleted)
    at_once([1, 2], lambda _n: rollups.refresh_day(TUESDAY, now=AFTER))
    assert stored_rows(TUESDAY) == once
