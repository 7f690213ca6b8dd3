"""Key figures of case handling, computed from the database.

The central question of the field: how much of a case's lead time is
waiting (task created -> claimed) and how much is work (claimed ->
completed)? Every figure here is counted or measured from stored rows;
nothing is estimated. Week buckets are ISO weeks (Monday, UTC).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.models import Case, ProcessDefinition, UserTask

DIGITAL_CHANNELS = ("api", "portal", "xbau")


@dataclass(frozen=True)
class WeekCount:
    """Cases started and closed in one ISO week for one procedure."""

    week: str
    process_key: str
    started: int
    closed: int


@dataclass(frozen=True)
class LeadTime:
    """Lead time of one closed case."""

    case_id: str
    business_key: str | None
    process_key: str
    started_at: datetime
    ended_at: datetime

    @property
    def days(self) -> float:
        return (self.ended_at - self.started_at).total_seconds() / 86400


@dataclass(frozen=True)
class TaskTimes:
    """Average waiting and working time of one kind of task (completed tasks only)."""

    process_key: str
    bpmn_id: str
    name: str
    completed: int
    waiting_hours: float
    working_hours: float


@dataclass(frozen=True)
class ChannelShare:
    """Cases by intake channel."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def digital(self) -> int:
        return sum(n for channel, n in self.counts.items() if channel in DIGITAL_CHANNELS)

    @property
    def digital_percent(self) -> float | None:
        return round(100 * self.digital / self.total, 1) if self.total else None


@dataclass
class KpiReport:
    """All key figures of one authority for a period."""

    since: datetime
    until: datetime
    weeks: list[WeekCount] = field(default_factory=list)
    lead_times: list[LeadTime] = field(default_factory=list)
    task_times: list[TaskTimes] = field(default_factory=list)
    overdue: dict[str, int] = field(default_factory=dict)
    channels: ChannelShare = field(default_factory=lambda: ChannelShare({}))


def iso_week(moment: datetime) -> str:
    """Return the ISO week of ``moment`` as ``YYYY-Www``."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def report(session: Session, authority_id: str, since: datetime, until: datetime, now: datetime) -> KpiReport:
    """Compute every key figure of ``authority_id`` for cases and tasks between ``since`` and ``until``."""
    return KpiReport(
        since=since,
        until=until,
        weeks=cases_per_week(session, authority_id, since, until),
        lead_times=lead_times(session, authority_id, since, until),
        task_times=task_times(session, authority_id, since, until),
        overdue=overdue_tasks(session, authority_id, now),
        channels=channel_share(session, authority_id, since, until),
    )


def cases_per_week(session: Session, authority_id: str, since: datetime, until: datetime) -> list[WeekCount]:
    """Count cases started and closed (completed) per ISO week and procedure."""
    started: dict[tuple[str, str], int] = defaultdict(int)
    closed: dict[tuple[str, str], int] = defaultdict(int)
    rows = session.execute(
        select(ProcessDefinition.key, Case.started_at, Case.ended_at, Case.status)
        .join(ProcessDefinition, Case.definition_id == ProcessDefinition.id)
        .where(Case.authority_id == authority_id, Case.started_at < until)
        .where((Case.started_at >= since) | (Case.ended_at >= since))
    )
    for key, started_at, ended_at, status in rows:
        if since <= started_at < until:
            started[(iso_week(started_at), key)] += 1
        if status == "completed" and ended_at is not None and since <= ended_at < until:
            closed[(iso_week(ended_at), key)] += 1
    keys = sorted(set(started) | set(closed))
    return [WeekCount(week, key, started.get((week, key), 0), closed.get((week, key), 0)) for week, key in keys]


def lead_times(session: Session, authority_id: str, since: datetime, until: datetime) -> list[LeadTime]:
    """Return the lead time of every case completed between ``since`` and ``until`` (longest first)."""
    rows = session.execute(
        select(Case.id, Case.business_key, ProcessDefinition.key, Case.started_at, Case.ended_at)
        .join(ProcessDefinition, Case.definition_id == ProcessDefinition.id)
        .where(Case.authority_id == authority_id, Case.status == "completed", Case.ended_at >= since, Case.ended_at < until)
    )
    times = [LeadTime(*row) for row in rows]
    return sorted(times, key=lambda t: t.ended_at - t.started_at, reverse=True)


def task_times(session: Session, authority_id: str, since: datetime, until: datetime) -> list[TaskTimes]:
    """Average waiting time (created -> claimed) and working time (claimed -> completed) per task kind."""
    rows = session.execute(
        select(UserTask.process_key, UserTask.bpmn_id, UserTask.name, UserTask.created_at, UserTask.claimed_at,
               UserTask.completed_at)
        .where(UserTask.authority_id == authority_id, UserTask.status == "completed",
               UserTask.completed_at >= since, UserTask.completed_at < until, UserTask.claimed_at.is_not(None))
    )
    sums: dict[tuple[str, str], list] = {}
    for key, bpmn_id, name, created_at, claimed_at, completed_at in rows:
        entry = sums.setdefault((key, bpmn_id), [name, 0, 0.0, 0.0])
        entry[1] += 1
        entry[2] += (claimed_at - created_at).total_seconds()
        entry[3] += (completed_at - claimed_at).total_seconds()
    return [
        TaskTimes(key, bpmn_id, name, n, round(wait / n / 3600, 2), round(work / n / 3600, 2))
        for (key, bpmn_id), (name, n, wait, work) in sorted(sums.items())
    ]


def overdue_tasks(session: Session, authority_id: str, now: datetime) -> dict[str, int]:
    """Count open tasks past their due date, per procedure."""
    rows = session.execute(
        select(UserTask.process_key, func.count())
        .where(UserTask.authority_id == authority_id, UserTask.status == "open", UserTask.due_at < now)
        .group_by(UserTask.process_key)
        .order_by(UserTask.process_key)
    )
    return {key: count for key, count in rows}


def channel_share(session: Session, authority_id: str, since: datetime, until: datetime) -> ChannelShare:
    """Count the cases started between ``since`` and ``until`` per intake channel."""
    rows = session.execute(
        select(Case.channel, func.count())
        .where(Case.authority_id == authority_id, Case.started_at >= since, Case.started_at < until)
        .group_by(Case.channel)
    )
    return ChannelShare({channel: count for channel, count in rows})


def default_period(now: datetime, weeks: int = 12) -> tuple[datetime, datetime]:
    """Return the last ``weeks`` full ISO weeks plus the current one, as (since, until)."""
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return monday - timedelta(weeks=weeks), monday + timedelta(weeks=1)
