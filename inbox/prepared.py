"""UPDATEs that run many times a second (claim, release), built by the ORM from the rules where they are defined
and compiled once per process, then run with each call's own values.

Building and compiling the claim's conditional UPDATE through the ORM cost more CPU than the database spends on the
claim (docs/benchmarks.md, "Claims"). A PreparedUpdate builds it once from stand-in values nobody has, finds the
stand-ins again among the compiled statement's parameters (as the backend converted them), and puts each call's
values in their places: the SQL is the ORM's own, the rules stay where they are written.
"""

import dataclasses
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.db.models.sql import UpdateQuery

from accounts.models import Employee

# build(actor, values) -> (rows, changes): the rows to update and their new values, as for QuerySet.update.
Build = Callable[[Employee, Any], tuple[QuerySet, dict[str, Any]]]


@dataclasses.dataclass(frozen=True)
class _Slot:
    """Where a call's value goes among the parameters: the name of its field in the values dataclass."""

    name: str


@dataclasses.dataclass(frozen=True)
class _Compiled:
    sql: str | None  # None: no row can match, whatever the values (the ORM's EmptyResultSet)
    params: tuple  # constants, and _Slots


class PreparedUpdate:
    """`execute(actor, values)` runs build(actor, values).update(**changes) and returns the rows it changed.

    `values` is a frozen dataclass of ints, datetimes and UUIDs; `stand_ins` one of the same class whose values no
    call has (large negative ints, dates long past). The build may read the actor's id only from `values`, and the
    actor object only for their status and role (may_answer, may_supervise): the compiled statement is kept per
    status and role, and built for a stand-in employee who has them."""

    def __init__(self, build: Build, stand_ins: Any, *, actor_id: str, optional: tuple[str, ...] = ()) -> None:
        self.build = build
        self.stand_ins = stand_ins
        self.actor_id = actor_id  # the field of the values that holds the actor's id
        # Values a statement may do without (the hold limit, for a supervisor); every other one must have its place.
        self.optional = frozenset(optional)
        self.compiled: dict[tuple, _Compiled] = {}

    def execute(self, actor: Employee, values: Any) -> int:
        key = (connection.alias, connection.vendor, actor.status, actor.role)
        compiled = self.compiled.get(key)
        if compiled is None:
            compiled = self.compiled[key] = self._compile(actor)
        if compiled.sql is None:
            return 0
        given = _database_values(values)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, [given[p.name] if isinstance(p, _Slot) else p for p in compiled.params])
            return cursor.rowcount

    def _compile(self, actor: Employee) -> _Compiled:
        """The statement built for the stand-ins, and checked against one built for other stand-ins: a build that put
        anything of its own actor or values into the statement other than through the values' places (a list of the
        actor's departments read in Python, say) would otherwise be served to everyone who shares a role."""
        compiled = self._compile_for(actor, self.stand_ins)
        again = self._compile_for(actor, _other_stand_ins(self.stand_ins))
        if compiled != again:
            raise RuntimeError(f"the prepared UPDATE depends on more than its values: {compiled.sql}")
        return compiled

    def _compile_for(self, actor: Employee, stand_ins: Any) -> _Compiled:
        stand_in = Employee(pk=getattr(stand_ins, self.actor_id), status=actor.status)
        stand_in.role = actor.role  # the cached property, as the actor has it, without reading the groups
        rows, changes = self.build(stand_in, stand_ins)
        # What QuerySet.update does before it executes.
        query = rows.query.chain(UpdateQuery)
        query.add_update_values(changes)
        query.clear_select_clause()
        try:
            sql, params = query.get_compiler(connection.alias).as_sql()
        except EmptyResultSet:
            return _Compiled(sql=None, params=())
        slots = {value: name for name, value in _database_values(stand_ins).items()}
        placed = tuple(_Slot(slots[p]) if _is_stand_in(p, slots) else p for p in params)
        missing = set(slots.values()) - self.optional - {p.name for p in placed if isinstance(p, _Slot)}
        if missing:
            raise RuntimeError(f"the prepared UPDATE has no place for {sorted(missing)}: {sql}")
        return _Compiled(sql=sql, params=placed)


def _other_stand_ins(values: Any) -> Any:
    """Stand-ins as unlikely as `values` and different from each of them."""

    def other(value: Any) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value - 1_000
        if isinstance(value, datetime):
            return value + timedelta(days=1)
        if isinstance(value, uuid.UUID):
            return uuid.UUID(int=(value.int + 1) % 2**128)
        return value

    return dataclasses.replace(values, **{f.name: other(getattr(values, f.name)) for f in dataclasses.fields(values)})


def _database_values(values: Any) -> dict[str, Any]:
    """Each value as the backend sends it, converted as the ORM converts a DateTimeField's or a UUIDField's."""
    return {field.name: _database_value(getattr(values, field.name)) for field in dataclasses.fields(values)}


def _database_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, uuid.UUID) and not connection.features.has_native_uuid_field:
        return value.hex
    return value


def _is_stand_in(param: object, slots: dict) -> bool:
    # By kind as well as value, so that a constant is never taken for a stand-in (True == 1); the backend may wrap an
    # int in a subclass of its own (psycopg's Int4).
    return any(_kind(param) is _kind(stand_in) and param == stand_in for stand_in in slots)


def _kind(value: object) -> type:
    return int if isinstance(value, int) and not isinstance(value, bool) else type(value)
