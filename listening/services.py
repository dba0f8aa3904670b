"""The state changes people make in listening, each one function in one durable transaction with its audit entry:
creating and changing a stream, pausing and resuming it (administrators), and writing a note for the company on a
hit (supervisors and administrators). The worker's own changes (a poll, the day's budget running out) are in
polling.py."""

from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Employee
from audit import recorder

from .access import ensure_may_manage, ensure_may_note
from .errors import AlreadyInThatState, InvalidStream
from .models import SMALLEST_PAGE, Language, ListeningHit, ListeningStream, StreamVolume, room_for_a_page
from .queries import problem_with, tidy

NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class StreamSettings:
    """What an administrator sets on a stream."""

    name: str
    query: str
    language: str
    daily_read_budget: int
    poll_interval_minutes: int

    def checked(self) -> "StreamSettings":
        """These settings tidied, or InvalidStream saying what is wrong."""
        name = self.name.strip()
        if not name or len(name) > ListeningStream._meta.get_field("name").max_length:
            raise InvalidStream(_("Give the stream a name of at most 80 characters."))
        if self.language not in Language.values:
            raise InvalidStream(_("Choose Japanese, English or any language."))
        problem = problem_with(self.query, self.language)
        if problem:
            raise InvalidStream(problem)
        if not SMALLEST_PAGE <= self.daily_read_budget <= 100_000:
            raise InvalidStream(
                _("The daily read budget must be from %(low)d posts (one page of X's search) to 100,000.")
                % {"low": SMALLEST_PAGE}
            )
        if not 1 <= self.poll_interval_minutes <= 1440:
            raise InvalidStream(_("The poll interval must be from 1 to 1,440 minutes."))
        return StreamSettings(
            name=name,
            query=tidy(self.query),
            language=self.language,
            daily_read_budget=self.daily_read_budget,
            poll_interval_minutes=self.poll_interval_minutes,
        )


def settings_of(stream: ListeningStream) -> StreamSettings:
    return StreamSettings(
        name=stream.name,
        query=stream.query,
        language=stream.language,
        daily_read_budget=stream.daily_read_budget,
        poll_interval_minutes=stream.poll_interval_minutes,
    )


@transaction.atomic(durable=True)
def create_stream(chosen: StreamSettings, *, actor: Employee, now: datetime | None = None) -> ListeningStream:
    """A new stream, listening from its first poll (due at once)."""
    ensure_may_manage(actor)
    chosen = chosen.checked()
    now = now or timezone.now()
    stream = ListeningStream.objects.create(
        **asdict(chosen),
        is_active=True,
        next_poll_at=now,
        created_at=now,
        created_by=actor,
        changed_at=now,
        changed_by=actor,
    )
    recorder.record("listening.stream.created", actor=actor, target=stream, after=asdict(chosen))
    return stream


@transaction.atomic(durable=True)
def change_stream(
    stream: ListeningStream, chosen: StreamSettings, *, actor: Employee, now: datetime | None = None
) -> ListeningStream:
    """New settings for a stream. A new query or language drops the volume counted for the old one (the next poll
    counts again); a budget raised above what was read today lets a stream stopped for the day listen again."""
    ensure_may_manage(actor)
    chosen = chosen.checked()
    now = now or timezone.now()
    stream = ListeningStream.objects.select_for_update().get(pk=stream.pk)
    before, after = asdict(settings_of(stream)), asdict(chosen)
    changed = {name for name in after if after[name] != before[name]}
    if not changed:
        return stream
    fields = dict(after, changed_at=now, changed_by=actor)
    if {"query", "language"} & changed:
        StreamVolume.objects.filter(stream=stream).delete()
        fields["volume_refreshed_at"] = None
    today = timezone.localdate(now)
    if (
        stream.stopped_for_budget_at is not None
        and stream.reads_day == today
        and room_for_a_page(chosen.daily_read_budget - stream.reads_today)
    ):
        fields.update(stopped_for_budget_at=None, next_poll_at=now)
    ListeningStream.objects.filter(pk=stream.pk).update(**fields)
    stream.refresh_from_db()
    recorder.record(
        "listening.stream.changed",
        actor=actor,
        target=stream,
        before={name: before[name] for name in sorted(changed)},
        after={name: after[name] for name in sorted(changed)},
    )
    return stream


@transaction.atomic(durable=True)
def pause_stream(stream: ListeningStream, *, actor: Employee, now: datetime | None = None) -> ListeningStream:
    """The stream stops asking X (and costs nothing) until it is resumed."""
    ensure_may_manage(actor)
    now = now or timezone.now()
    if (
        ListeningStream.objects.filter(pk=stream.pk, is_active=True).update(
            is_active=False, changed_at=now, changed_by=actor
        )
        != 1
    ):
        raise AlreadyInThatState(active=False)
    stream.refresh_from_db()
    recorder.record("listening.stream.paused", actor=actor, target=stream, after={"is_active": False})
    return stream


@transaction.atomic(durable=True)
def resume_stream(stream: ListeningStream, *, actor: Employee, now: datetime | None = None) -> ListeningStream:
    """The stream listens again from its next poll (due at once), within what is left of today's budget."""
    ensure_may_manage(actor)
    now = now or timezone.now()
    if (
        ListeningStream.objects.filter(pk=stream.pk, is_active=False).update(
            is_active=True, next_poll_at=now, changed_at=now, changed_by=actor
        )
        != 1
    ):
        raise AlreadyInThatState(active=True)
    stream.refresh_from_db()
    recorder.record("listening.stream.resumed", actor=actor, target=stream, after={"is_active": True})
    return stream


@transaction.atomic(durable=True)
def note_hit(hit: ListeningHit, *, actor: Employee, text: str, now: datetime | None = None) -> ListeningHit:
    """A note for the company on what was said (the company's answer, if any, is given elsewhere than on X's API:
    the post did not summon the account). A new note replaces the old one; both stay in the audit trail; an empty
    note removes it."""
    ensure_may_note(actor)
    text = text.strip()[:NOTE_MAX_LENGTH]
    now = now or timezone.now()
    hit = ListeningHit.objects.select_for_update().get(pk=hit.pk)
    before = hit.note
    if text == before:
        return hit
    ListeningHit.objects.filter(pk=hit.pk).update(
        note=text, noted_by=actor if text else None, noted_at=now if text else None
    )
    hit.refresh_from_db()
    recorder.record(
        "listening.hit.noted",
        actor=actor,
        target=hit,
        before={"note": before},
        after={"note": text, "stream": hit.stream_id, "post_id": hit.post_id},
    )
    return hit
