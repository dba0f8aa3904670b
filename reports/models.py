"""What the reports keep: each queue's business hours, the day figures the worker rolls up, and the weekly reports
as they were mailed."""

from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from inbox.models import Queue

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class BusinessHours(models.Model):
    """A queue's working hours (no queue: the desk's own, for queues without theirs). Business-hours figures count
    only the time inside them."""

    queue = models.OneToOneField(
        Queue,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="business_hours",
        verbose_name=_("queue"),
        help_text=_("Leave empty for the desk's hours, used by every queue without its own."),
    )
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))
    # Monday is 0, as date.weekday(): "0,1,2,3,4".
    weekdays = models.CharField(
        _("working days"),
        max_length=20,
        default="0,1,2,3,4",
        validators=[
            RegexValidator(
                r"^[0-6](,[0-6])*$",
                _("Write the days as numbers from 0 (Monday) to 6 (Sunday), separated by commas: 0,1,2,3,4."),
            )
        ],
        help_text=_("Monday is 0, Sunday 6; 0,1,2,3,4 is Monday to Friday."),
    )
    closed_on_holidays = models.BooleanField(_("closed on Japanese public holidays"), default=True)

    class Meta:
        verbose_name = _("business hours")
        verbose_name_plural = _("business hours")
        constraints = [
            models.UniqueConstraint(fields=["queue"], nulls_distinct=False, name="one_business_hours_per_queue"),
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="hours_close_after_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue or _('the desk')}: {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"

    def weekday_numbers(self) -> list[int]:
        return [int(part) for part in self.weekdays.split(",") if part.strip().isdigit()]


class DayFigures(models.Model):
    """One local day's figures for one subject (a queue × priority × topic, an employee, a queue's approvals, a
    department, or the whole desk), rolled up by the worker (reports/rollups.py) so that a report adds up days
    instead of reading every question. Subjects are plain ids: a report names them when it is read."""

    class Subject(models.TextChoices):
        QUEUE = "queue"
        EMPLOYEE = "employee"
        APPROVALS = "approvals"
        DEPARTMENT = "department"
        DESK = "desk"

    day = models.DateField()
    subject = models.CharField(max_length=16, choices=Subject.choices)
    queue_id = models.IntegerField(null=True)
    priority = models.IntegerField(null=True)
    topic_id = models.IntegerField(null=True)
    employee_id = models.IntegerField(null=True)
    department_id = models.IntegerField(null=True)
    # {figure: count}
    counts = models.JSONField(default=dict)
    # {duration: {bucket lower bound in seconds: count}} (reports/histograms.py)
    durations = models.JSONField(default=dict)
    # {list name: [question ids]}: what a report lists rather than only counts (closed without an answer).
    listed = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        # A period reads its days (every subject), and its desk rows alone for its freshness.
        indexes = [models.Index("day", "subject", name="day_figures_by_day")]

    def __str__(self) -> str:
        return f"{self.subject} figures of {self.day}"


class EmployeeWeek(models.Model):
    """An employee's figures of one week (Monday to Sunday), added up from their seven DayFigures rows whenever one of
    those days is refreshed: a quarter's report then reads 13 rows per person instead of 90."""

    week_start = models.DateField()
    employee_id = models.IntegerField()
    counts = models.JSONField(default=dict)
    durations = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["week_start", "employee_id"], name="one_week_per_employee")]

    def __str__(self) -> str:
        return f"figures of employee {self.employee_id}, week of {self.week_start}"


class WeeklyReport(models.Model):
    """Last week's report as the worker built and mailed it on Monday morning: kept, so that the page shows what
    the supervisors received."""

    week_start = models.DateField(_("week"), unique=True)
    language = models.CharField(max_length=8)
    # The period report's data (reports/figures.py), as built when it was mailed.
    data = models.JSONField(encoder=DjangoJSONEncoder)
    built_at = models.DateTimeField()
    mailing_since = models.DateTimeField(null=True, blank=True)
    mailed_at = models.DateTimeField(null=True, blank=True)
    recipients = models.TextField(blank=True)

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week_start"]

    def __str__(self) -> str:
        return f"weekly report of {self.week_start}"
