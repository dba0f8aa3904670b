"""Changes of the desk's configuration by administrators (Settings, the demo seed): queues, routing rules, reply
templates, departments and service levels, each saved with an audit entry of what changed."""

from django.db import transaction
from django.db.models import Model

from accounts.models import Employee
from audit import recorder

from .models import Department, Queue, ReplyTemplate, RoutingRule, ServiceLevel
from .service_levels import reschedule_open_questions

# What save_setting accepts; a service level has a function of its own, since saving one moves deadlines.
CONFIGURATION_MODELS = (Queue, RoutingRule, ReplyTemplate, Department)
# Every model whose changes are recorded as `<app>.<model>.created` / `.changed`.
AUDITED_MODELS = (*CONFIGURATION_MODELS, ServiceLevel)
VERBS = ("created", "changed")


@transaction.atomic(durable=True)
def save_setting(obj: Model, *, actor: Employee | None) -> Model:
    """Create or edit a queue, routing rule or template, recording what changed."""
    if not isinstance(obj, CONFIGURATION_MODELS):
        raise TypeError(f"save_setting does not save {type(obj).__name__}; see inbox/configuration.py")
    return _save_and_record(obj, actor=actor)


@transaction.atomic(durable=True)
def save_service_level(level: ServiceLevel, *, actor: Employee | None) -> ServiceLevel:
    """Create or change a level (audited), then move the deadlines of the open questions it governs.

    A question already flagged keeps its flag: the customer did wait that long.
    """
    _save_and_record(level, actor=actor)
    reschedule_open_questions(level.queue_id, level.priority)
    return level


def _save_and_record(obj: Model, *, actor: Employee | None) -> Model:
    fields = [f.name for f in obj._meta.concrete_fields if f.name != "id"]
    before = type(obj).objects.filter(pk=obj.pk).values(*fields).first() if obj.pk else None
    obj.full_clean()
    obj.save()
    after = type(obj).objects.filter(pk=obj.pk).values(*fields).first()
    if before == after:
        return obj
    verb = VERBS[0] if before is None else VERBS[1]
    recorder.record(f"{obj._meta.label_lower}.{verb}", actor=actor, target=obj, before=before, after=after)
    return obj
