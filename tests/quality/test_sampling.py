"""The weekly sample (quality/sampling.py): a share of each employee's sent replies within bounds, drawn from a stored
seed (the same seed, the same picks), once per week, plus the automatic picks that do not count to the share."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts import services as people_services
from audit.models import AuditEntry
from inbox.models import Reply
from quality import reviews, sampling
from quality.errors import AlreadySampled, WeekNotOver
from quality.models import ReviewSample, SamplingRun
from quality.sampling import Bounds, draw, redraw, share_of
from quality.weeks import week_of
from tests.helpers import actions_for

from .conftest import week_after

DEFAULT = Bounds(share_percent=10, minimum=2, maximum=5)


@pytest.mark.parametrize(
    ("replies", "share"),
    [(0, 0), (1, 1), (2, 2), (3, 2), (20, 2), (21, 3), (30, 3), (41, 5), (50, 5), (500, 5)],
)
def test_the_share_is_ten_percent_rounded_up_at_least_two_at_most_five(replies, share):
    assert share_of(replies, DEFAULT) == share


@given(
    replies=st.integers(min_value=0, max_value=2_000),
    percent=st.integers(min_value=1, max_value=100),
    minimum=st.integers(min_value=0, max_value=10),
    extra=st.integers(min_value=0, max_value=10),
)
def test_the_share_never_leaves_its_bounds_nor_exceeds_the_replies(replies, percent, minimum, extra):
    bounds = Bounds(percent, minimum, minimum + extra)
    k = share_of(replies, bounds)
    assert 0 <= k <= replies
    if replies:
        assert k <= bounds.maximum
        assert k >= min(bounds.minimum, replies)


@given(
    sizes=st.dictionaries(st.sampled_from(["E100", "E200", "S100", "E300"]), st.integers(min_value=0, max_value=80)),
    seed=st.text(alphabet="0123456789abcdef", min_size=1, max_size=32),
)
def test_each_employees_picks_are_their_own_replies_as_many_as_the_share(sizes, seed):
    candidates = {number: [n * 1000 + i for i in range(size)] for n, (number, size) in enumerate(sizes.items())}
    picks = draw(candidates, seed, DEFAULT)
    for number, ids in candidates.items():
        assert len(picks[number]) == share_of(len(ids), DEFAULT)
        assert len(set(picks[number])) == len(picks[number]) and set(picks[number]) <= set(ids)
    assert picks == draw(candidates, seed, DEFAULT)


def test_the_same_seed_draws_the_same_replies_and_another_seed_may_not():
    candidates = {"E100": list(range(1, 101)), "E200": list(range(200, 230))}
    first = draw(candidates, "seed-a", DEFAULT)
    assert first == draw({k: list(reversed(v)) for k, v in candidates.items()}, "seed-a", DEFAULT)
    assert [len(first["E100"]), len(first["E200"])] == [5, 3]
    assert any(draw(candidates, f"seed-{n}", DEFAULT) != first for n in range(5))


def test_a_week_is_sampled_per_employee_within_the_bounds(desk, settings):
    settings.QUALITY_SAMPLE_SHARE_PERCENT = 50
    settings.QUALITY_SAMPLE_MIN = 1
    settings.QUALITY_SAMPLE_MAX = 2
    mine = [desk.send(desk.employee_a) for _ in range(5)]
    theirs = desk.send(desk.employee_b)
    week, later = week_after(mine[0])

    run = sampling.sample_week(week, now=later)

    picked = ReviewSample.objects.filter(week_start=week)
    assert sorted(picked.filter(employee=desk.employee_a).values_list("reason", flat=True)) == ["random", "random"]
    assert set(picked.filter(employee=desk.employee_a).values_list("reply_id", flat=True)) <= {r.pk for r in mine}
    assert list(picked.filter(employee=desk.employee_b).values_list("reply_id", flat=True)) == [theirs.pk]
    assert run.outcome["E100"]["replies"] == 5 and run.outcome["E100"]["share"] == 2
    assert (run.share_percent, run.minimum, run.maximum) == (50, 1, 2)
    assert actions_for(run) == ["quality.week.sampled"]
    entry = AuditEntry.objects.get(action="quality.week.sampled")
    assert entry.after["seed"] == run.seed and entry.after["picks"]["E100"]["random"] == run.outcome["E100"]["random"]


def test_the_stored_seed_draws_the_same_replies_again(desk, settings):
    settings.QUALITY_SAMPLE_MIN = 1
    replies = [desk.send(desk.employee_a) for _ in range(4)]
    week, later = week_after(replies[0])
    run = sampling.sample_week(week, now=later, seed="0123456789abcdef")
    stored = sorted(ReviewSample.objects.filter(run=run, reason="random").values_list("reply_id", flat=True))

    assert redraw(SamplingRun.objects.get(pk=run.pk)) == {"E100": stored}
    # Sampling the week from scratch with the stored seed picks the same replies.
    ReviewSample.objects.filter(run=run).delete()
    SamplingRun.objects.filter(pk=run.pk).delete()
    again = sampling.sample_week(week, now=later, seed="0123456789abcdef")
    assert sorted(ReviewSample.objects.filter(run=again, reason="random").values_list("reply_id", flat=True)) == stored


def test_the_command_checks_a_weeks_picks_against_its_seed(desk, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.QUALITY_SAMPLE_MIN = 1
    replies = [desk.send(desk.employee_a) for _ in range(3)]
    week, later = week_after(replies[0])
    run = sampling.sample_week(week, now=later)
    out = StringIO()
    call_command("sample_replies", str(week), "--check", stdout=out)
    assert out.getvalue() == f"week of {week}, seed {run.seed}: same picks\n"


def test_sampling_a_week_twice_changes_nothing(desk):
    reply = desk.send(desk.employee_a)
    week, later = week_after(reply)
    first = sampling.sample_week(week, now=later)
    samples = list(ReviewSample.objects.order_by("pk").values_list("pk", "reply_id", "reason"))

    second = sampling.sample_week(week, now=later + timedelta(hours=1))

    assert second.pk == first.pk and second.seed == first.seed
    assert list(ReviewSample.objects.order_by("pk").values_list("pk", "reply_id", "reason")) == samples
    assert AuditEntry.objects.filter(action="quality.week.sampled").count() == 1


def test_the_worker_samples_the_week_just_ended(desk):
    reply = desk.send(desk.employee_a)
    week = week_of(reply.sent_at)
    run = sampling.sample_last_week(now=reply.sent_at + timedelta(days=7))
    assert run.week_start == week
    assert ReviewSample.objects.filter(run=run, reply=reply).exists()


def test_a_week_not_over_is_not_sampled(desk):
    reply = desk.send(desk.employee_a)
    with pytest.raises(WeekNotOver):
        sampling.sample_week(week_of(reply.sent_at), now=reply.sent_at)
    assert not SamplingRun.objects.exists()


def test_suspended_employees_are_not_sampled_and_the_run_says_why(desk):
    reply = desk.send(desk.employee_a)
    week, later = week_after(reply)
    people_services.suspend_employee(desk.employee_a, actor=desk.supervisor, reason="Left")

    run = sampling.sample_week(week, now=later)

    assert not ReviewSample.objects.exists()
    assert run.outcome["E100"] == {"replies": 1, "why": "not_active"}
    assert run.outcome["E200"] == {"replies": 0, "why": "no_replies"}
    assert "X100" not in run.outcome  # suspended before the week, with no replies: not listed at all


# --- the automatic picks, which do not count to the share ---------------------------------------------------------


def _reasons(week: date) -> dict[int, tuple[str, list[str]]]:
    return {s.reply_id: (s.reason, s.checks) for s in ReviewSample.objects.filter(week_start=week)}


@pytest.fixture
def no_random_share(settings):
    """No random share (QUALITY_SAMPLE_MAX = 0): only the automatic picks, so that a test knows what is picked."""
    settings.QUALITY_SAMPLE_MIN = 0
    settings.QUALITY_SAMPLE_MAX = 0


def test_a_reply_sent_after_the_service_level_is_picked(desk, no_random_share):
    on_time = desk.send(desk.employee_a)
    late = desk.send(desk.employee_a, late=True)
    week, later = week_after(late)

    run = sampling.sample_week(week, now=later)

    assert _reasons(week) == {late.pk: ("check", ["sent_late"])}
    assert run.outcome["E100"] == {
        "replies": 2,
        "share": 0,
        "candidates": sorted([on_time.pk, late.pk]),
        "random": [],
        "other": [late.pk],
        "why": "",
    }


def test_the_automatic_picks_come_on_top_of_the_share(desk, settings):
    settings.QUALITY_SAMPLE_MIN = 1
    settings.QUALITY_SAMPLE_MAX = 1
    on_time = [desk.send(desk.employee_a) for _ in range(2)]
    late = desk.send(desk.employee_a, late=True)
    week, later = week_after(late)

    run = sampling.sample_week(week, now=later)

    picked = _reasons(week)
    (random_pick,) = run.outcome["E100"]["random"]
    if random_pick == late.pk:
        # Drawn at random anyway: it is one sample, with its flag shown.
        assert picked == {late.pk: ("random", ["sent_late"])}
    else:
        assert picked == {random_pick: ("random", []), late.pk: ("check", ["sent_late"])}
        assert random_pick in {reply.pk for reply in on_time}


def test_a_reply_its_approver_edited_is_picked(desk, no_random_share):
    desk.send(desk.employee_a)
    edited = desk.send_approved(
        desk.employee_a,
        "返金の手続きをご案内します。",
        approver=desk.supervisor,
        edited_body="返金についてご案内します。",
    )
    week, later = week_after(edited)
    sampling.sample_week(week, now=later)
    assert _reasons(week) == {edited.pk: ("check", ["edited_by_approver"])}


def test_a_reply_with_personal_data_is_picked(desk, no_random_share):
    desk.send(desk.employee_a)
    with_phone = desk.send_approved(
        desk.employee_a, "担当者から 090-1234-5678 にお電話します。", approver=desk.supervisor
    )
    week, later = week_after(with_phone)
    sampling.sample_week(week, now=later)
    assert _reasons(week) == {with_phone.pk: ("check", ["personal_data"])}


def test_a_reply_the_customer_answered_unhappily_is_picked(desk, no_random_share):
    answered = [desk.send(desk.employee_a) for _ in range(3)]
    desk.follow_up(answered[0], "対応が遅い、最悪です")
    desk.follow_up(answered[1], "ありがとうございます")
    week, later = week_after(answered[0])

    sampling.sample_week(week, now=later)

    assert _reasons(week) == {answered[0].pk: ("negative_follow_up", ["negative_follow_up"])}


def test_a_new_employees_first_replies_are_picked(desk, no_random_share, settings):
    settings.QUALITY_FIRST_REPLIES = 2
    first, second, third = [desk.send(desk.employee_a) for _ in range(3)]
    week, later = week_after(first)

    sampling.sample_week(week, now=later)

    assert _reasons(week) == {
        first.pk: ("new_employee", ["first_replies"]),
        second.pk: ("new_employee", ["first_replies"]),
    }


# --- by hand ----------------------------------------------------------------------------------------------------------


def test_a_supervisor_adds_any_sent_reply_by_hand_once(desk):
    reply = desk.send(desk.employee_a)
    sample = reviews.add_sample_by_hand(reply, actor=desk.supervisor)
    assert (sample.reason, sample.week_start, sample.added_by) == ("manual", week_of(reply.sent_at), desk.supervisor)
    assert actions_for(sample) == ["quality.sample.added"]
    with pytest.raises(AlreadySampled):
        reviews.add_sample_by_hand(reply, actor=desk.supervisor)


def test_a_reply_added_by_hand_keeps_its_reason_when_the_week_is_sampled(desk, settings):
    settings.QUALITY_SAMPLE_MIN = 5
    reply = desk.send(desk.employee_a)
    reviews.add_sample_by_hand(reply, actor=desk.supervisor)
    week, later = week_after(reply)
    sampling.sample_week(week, now=later)
    assert list(ReviewSample.objects.values_list("reply_id", "reason")) == [(reply.pk, "manual")]


def test_an_employee_cannot_add_a_reply_by_hand(desk):
    from quality.errors import NotAllowedToReview

    reply = desk.send(desk.employee_a)
    with pytest.raises(NotAllowedToReview):
        reviews.add_sample_by_hand(reply, actor=desk.employee_b)
    assert not ReviewSample.objects.exists()
    assert Reply.objects.filter(pk=reply.pk, status="sent").exists()
