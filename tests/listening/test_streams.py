"""Streams as administrators make them, pause and resume them, and notes as supervisors and administrators write them:
each a state change with its audit entry, refused to anyone else by the service itself."""

import pytest

from listening import services
from listening.errors import AlreadyInThatState, InvalidStream, NotAllowedToManage, NotAllowedToNote
from listening.models import ListeningStream, StreamVolume
from tests.helpers import actions_for

from .conftest import settings_for


def test_an_administrator_creates_a_stream_that_is_due_at_once(people):
    stream = services.create_stream(settings_for("配送  遅い\n(レプリ OR replydesk)"), actor=people.administrator)

    assert stream.query == "配送 遅い (レプリ OR replydesk)"  # one line: X reads any whitespace as AND
    assert stream.is_active and stream.next_poll_at == stream.created_at
    assert (stream.created_by, stream.changed_by) == (people.administrator, people.administrator)
    assert actions_for(stream) == ["listening.stream.created"]


@pytest.mark.parametrize("who", ["supervisor", "compliance", "employee_a"])
def test_only_administrators_create_streams(people, who):
    with pytest.raises(NotAllowedToManage):
        services.create_stream(settings_for(), actor=getattr(people, who))
    assert not ListeningStream.objects.exists()


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"query": "   "}, "Write what to listen for"),
        ({"query": '"配送'}, "quotation mark"),
        ({"query": "(配送"}, "parenthesis"),
        ({"query": "-配送 -遅い"}, "at least one word"),
        ({"query": "あ" * 505, "language": "ja"}, "at most 512"),
        ({"daily_read_budget": 9}, "from 10 posts"),
        ({"poll_interval_minutes": 0}, "1 to 1,440"),
        ({"language": "fr"}, "Japanese, English"),
        ({"name": ""}, "name"),
    ],
)
def test_a_stream_x_could_not_run_or_the_budget_could_not_keep_is_refused(people, changes, why):
    query = changes.pop("query", "配送")
    with pytest.raises(InvalidStream, match=why):
        services.create_stream(settings_for(query, **changes), actor=people.administrator)


def test_a_query_of_512_characters_with_its_language_is_accepted(people):
    query = "あ" * (512 - len("() lang:ja"))
    stream = services.create_stream(settings_for(query, language="ja"), actor=people.administrator)
    assert len(stream.query) == 502


def test_changing_a_stream_records_what_changed_and_a_new_query_drops_the_old_volume(people, make_stream, clock):
    stream = make_stream()
    StreamVolume.objects.create(stream=stream, bucket_start=clock.now, bucket_end=clock.now, count=3)

    changed = services.change_stream(
        stream, settings_for("レプリ電機 -求人", daily_read_budget=200), actor=people.administrator
    )

    assert (changed.query, changed.daily_read_budget) == ("レプリ電機 -求人", 200)
    assert not StreamVolume.objects.filter(stream=stream).exists() and changed.volume_refreshed_at is None
    assert actions_for(stream) == ["listening.stream.created", "listening.stream.changed"]
    from audit.models import AuditEntry

    entry = AuditEntry.objects.filter(action="listening.stream.changed").get()
    assert entry.before == {"daily_read_budget": 100, "query": "レプリ電機"}
    assert entry.after == {"daily_read_budget": 200, "query": "レプリ電機 -求人"}


def test_saving_the_same_settings_changes_nothing(people, make_stream):
    stream = make_stream()
    services.change_stream(stream, settings_for(), actor=people.administrator)
    assert actions_for(stream) == ["listening.stream.created"]


@pytest.mark.parametrize("who", ["supervisor", "compliance"])
def test_only_administrators_change_pause_and_resume_streams(people, make_stream, who):
    stream = make_stream()
    actor = getattr(people, who)
    with pytest.raises(NotAllowedToManage):
        services.change_stream(stream, settings_for("別"), actor=actor)
    with pytest.raises(NotAllowedToManage):
        services.pause_stream(stream, actor=actor)
    with pytest.raises(NotAllowedToManage):
        services.resume_stream(stream, actor=actor)
    stream.refresh_from_db()
    assert stream.query == "レプリ電機" and stream.is_active
    assert actions_for(stream) == ["listening.stream.created"]


def test_pausing_and_resuming_are_recorded_and_a_second_pause_is_refused(people, make_stream):
    stream = make_stream()
    services.pause_stream(stream, actor=people.administrator)
    with pytest.raises(AlreadyInThatState):
        services.pause_stream(stream, actor=people.administrator)
    resumed = services.resume_stream(stream, actor=people.administrator)
    with pytest.raises(AlreadyInThatState):
        services.resume_stream(stream, actor=people.administrator)

    assert resumed.is_active
    assert actions_for(stream) == [
        "listening.stream.created",
        "listening.stream.paused",
        "listening.stream.resumed",
    ]


@pytest.fixture
def hit(make_stream, fake_x, poll):
    stream = make_stream()
    fake_x.post_as("tanaka_yuki", "レプリ電機のテレビ、画面が暗い")
    poll(stream)
    return stream.hits.get()


@pytest.mark.parametrize("who", ["supervisor", "administrator"])
def test_supervisors_and_administrators_note_a_hit_for_the_company(people, hit, who):
    actor = getattr(people, who)
    noted = services.note_hit(hit, actor=actor, text="  商品企画に共有。画面の明るさ設定の案内が必要  ")

    assert noted.note == "商品企画に共有。画面の明るさ設定の案内が必要"
    assert (noted.noted_by, noted.noted_at is not None) == (actor, True)
    assert actions_for(hit) == ["listening.hit.noted"]


@pytest.mark.parametrize("who", ["compliance", "employee_a"])
def test_compliance_officers_and_employees_do_not_note(people, hit, who):
    with pytest.raises(NotAllowedToNote):
        services.note_hit(hit, actor=getattr(people, who), text="x")
    hit.refresh_from_db()
    assert hit.note == "" and actions_for(hit) == []


def test_a_note_replaced_and_removed_keeps_each_version_in_the_trail(people, hit):
    services.note_hit(hit, actor=people.supervisor, text="first")
    services.note_hit(hit, actor=people.administrator, text="second")
    cleared = services.note_hit(hit, actor=people.supervisor, text="")

    assert (cleared.note, cleared.noted_by, cleared.noted_at) == ("", None, None)
    assert actions_for(hit) == ["listening.hit.noted"] * 3
