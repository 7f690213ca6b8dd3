"""Tables of the engine: authorities, users, definitions, cases, user tasks.

Every row that holds case data carries ``authority_id``: an authority
(*Behörde*) only ever sees its own cases, tasks and users. Process
definitions may be shared by all authorities (``authority_id`` NULL).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db import Base, new_id, utcnow

ROLES = ("admin", "modeller", "clerk", "supervisor", "operator")
PLATFORM_ROLES = ("operator",)
"""Roles above the authorities (the operator creates authorities and their first administrator).

Administrators of an authority do not hold them."""


class Authority(Base):
    """A public authority (tenant), e.g. a city or district office."""

    __tablename__ = "engine_authorities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person working in one authority, with roles and candidate groups."""

    __tablename__ = "engine_users"
    __table_args__ = (UniqueConstraint("authority_id", "username"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    roles: Mapped[list] = mapped_column(default=list)
    # The candidate groups (lanes) whose tasks the user sees: derived from the user's groups (engine/groups.py).
    groups: Mapped[list] = mapped_column(default=list)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    authority: Mapped[Authority] = relationship(lazy="joined")

    def has_role(self, *roles: str) -> bool:
        """Tell whether the user holds any of ``roles`` (admins hold all but the platform roles)."""
        if "admin" in self.roles and any(role not in PLATFORM_ROLES for role in roles):
            return True
        return any(role in self.roles for role in roles)


class ApiToken(Base):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    __tablename__ = "engine_api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("engine_users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")


class ProcessDefinition(Base):
    """One deployed version of a BPMN process (key = process id)."""

    __tablename__ = "engine_process_definitions"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    key: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(64))
    authority_id: Mapped[str | None] = mapped_column(ForeignKey("engine_authorities.id"))
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)
    deployed_by: Mapped[str | None] = mapped_column(String(200))
    user_tasks: Mapped[list] = mapped_column(default=list)

    files: Mapped[list[DefinitionFile]] = relationship(
        back_populates="definition", order_by="DefinitionFile.filename", lazy="select"
    )

    def file_contents(self) -> dict[str, bytes]:
        """Return the deployed files as a mapping of file name to bytes."""
        return {f.filename: f.content for f in self.files}


class DefinitionFile(Base):
    """A BPMN or DMN file belonging to a process definition version."""

    __tablename__ = "engine_definition_files"
    __table_args__ = (UniqueConstraint("definition_id", "filename"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    definition_id: Mapped[str] = mapped_column(ForeignKey("engine_process_definitions.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    definition: Mapped[ProcessDefinition] = relationship(back_populates="files")


CASE_STATUSES = ("running", "completed", "cancelled", "suspended", "failed")
"""``failed``: ended by a BPMN error that nothing caught (``error_code`` says which)."""


class Case(Base):
    """A running or finished process instance with its serialized workflow state.

    A case started by a call activity is the *child* of the calling case
    (``parent_case_id``, and ``parent_task_id``: the Spiff task of the call
    activity that waits for it). A case started by a message or signal that
    another case threw names that case in ``source_case_id``; replies without a
    correlation key go back to it first.
    """

    __tablename__ = "engine_cases"
    __table_args__ = (
        Index("ix_engine_cases_authority_status", "authority_id", "status", "started_at"),
        Index("ix_engine_cases_authority_started", "authority_id", "started_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    definition_id: Mapped[str] = mapped_column(ForeignKey("engine_process_definitions.id"), index=True)
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    subject: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(20), default="api", server_default="api")  # intake channel: api, portal, xbau, paper
    status: Mapped[str] = mapped_column(String(20), default="running")
    state: Mapped[str] = mapped_column(Text)
    serializer_version: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict] = mapped_column(default=dict)
    data_versions: Mapped[dict] = mapped_column(default=dict)
    data_counter: Mapped[int] = mapped_column(Integer, default=0)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_by: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None]
    error_code: Mapped[str | None] = mapped_column(String(200))
    parent_case_id: Mapped[str | None] = mapped_column(ForeignKey("engine_cases.id"), index=True)
    parent_task_id: Mapped[str | None] = mapped_column(String(36))
    source_case_id: Mapped[str | None] = mapped_column(ForeignKey("engine_cases.id"), index=True)

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined", innerjoin=True)

    __mapper_args__ = {"version_id_col": revision}


TASK_STATUSES = ("open", "completed", "cancelled")


class UserTask(Base):
    """A human task projected from the workflow state, queryable for inboxes.

    Rows are kept after completion: created -> claimed is waiting time,
    claimed -> completed is working time (the KPIs need both).
    """

    __tablename__ = "engine_user_tasks"
    __table_args__ = (
        Index("ix_engine_user_tasks_inbox_group", "authority_id", "status", "candidate_group", "due_at"),
        Index("ix_engine_user_tasks_inbox_assignee", "assignee_id", "status", "due_at"),
        Index("ix_engine_user_tasks_case", "case_id", "status"),
        UniqueConstraint("case_id", "spiff_task_id"),
        # Inbox of open tasks: engine/inbox.py reads each branch in the order of one of these.
        Index("ix_engine_user_tasks_open_group_due", "authority_id", "candidate_group", "due_at",
              postgresql_include=["process_key"],  # lets the count by procedure read the index only
              postgresql_where=text("status = 'open' AND assignee_id IS NULL"),
              sqlite_where=text("status = 'open' AND assignee_id IS NULL")),
        Index("ix_engine_user_tasks_open_group_priority", "authority_id", "candidate_group", "priority",
              postgresql_where=text("status = 'open' AND assignee_id IS NULL"),
              sqlite_where=text("status = 'open' AND assignee_id IS NULL")),
        Index("ix_engine_user_tasks_open_assignee_due", "assignee_id", "due_at",
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
        Index("ix_engine_user_tasks_open_authority_due", "authority_id", "due_at",
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
        Index("ix_engine_user_tasks_open_authority_priority", "authority_id", "priority",
              postgresql_where=text("status = 'open'"), sqlite_where=text("status = 'open'")),
        # Substring search (ILIKE '%...%') in open tasks: GIN trigram indexes on PostgreSQL (pg_trgm);
        # SQLite gets a plain index (schema identical to the migrations; its LIKE scans anyway).
        Index("ix_engine_user_tasks_open_business_key_trgm", "business_key", postgresql_using="gin",
              postgresql_ops={"business_key": "gin_trgm_ops"}, postgresql_where=text("status = 'open'"),
              sqlite_where=text("status = 'open'")),
        Index("ix_engine_user_tasks_open_subject_trgm", "subject", postgresql_using="gin",
              postgresql_ops={"subject": "gin_trgm_ops"}, postgresql_where=text("status = 'open'"),
              sqlite_where=text("status = 'open'")),
        Index("ix_engine_user_tasks_open_applicant_trgm", "applicant", postgresql_using="gin",
              postgresql_ops={"applicant": "gin_trgm_ops"}, postgresql_where=text("status = 'open'"),
              sqlite_where=text("status = 'open'")),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    case_id: Mapped[str] = mapped_column(ForeignKey("engine_cases.id"))
    spiff_task_id: Mapped[str] = mapped_column(String(36))
    process_key: Mapped[str] = mapped_column(String(200))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(200))
    candidate_group: Mapped[str | None] = mapped_column(String(200))
    assignee_id: Mapped[str | None] = mapped_column(ForeignKey("engine_users.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    priority: Mapped[int] = mapped_column(Integer, default=50)
    due_at: Mapped[datetime | None]
    follow_up_at: Mapped[datetime | None]
    business_key: Mapped[str | None] = mapped_column(String(100))
    subject: Mapped[str | None] = mapped_column(String(500))
    applicant: Mapped[str | None] = mapped_column(String(300))  # the applicant's name, searchable in the inbox
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(ForeignKey("engine_users.id"))

    case: Mapped[Case] = relationship(lazy="raise")
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id], lazy="joined")


class Substitution(Base):
    """An absence of ``user_id``; while it lasts, ``substitute_id`` also sees and works their tasks (Vertretung).

    Without a substitute the absence shows the user's tasks to the supervisors.
    ``groups`` limits the substitution to tasks of these candidate groups
    (None: all tasks). Rows are never deleted; ending an absence early moves
    ``ends_at``.
    """

    __tablename__ = "engine_substitutions"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    authority_id: Mapped[str] = mapped_column(ForeignKey("engine_authorities.id"))
    user_id: Mapped[str] = mapped_column(ForeignKey("engine_users.id"), index=True)
    substitute_id: Mapped[str | None] = mapped_column(ForeignKey("engine_users.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime | None]
    groups: Mapped[list | None]
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    substitute: Mapped[User | None] = relationship(foreign_keys=[substitute_id], lazy="joined")


class InboxFilter(Base):
    """A user's saved inbox filter: a name and the inbox's query parameters (personal, never shared)."""

    __tablename__ = "engine_inbox_filters"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("engine_users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginAttempt(Base):
    """A login attempt, kept to rate-limit failed logins across all web processes."""

    __tablename__ = "engine_login_attempts"
    __table_args__ = (Index("ix_engine_login_attempts_lookup", "username", "attempted_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(200))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)


# Background execution (jobs, incidents, kept messages, event subscriptions) lives in its own module.
from engine.models_jobs import CaseMessage, EventSubscription, Incident, Job, JobEvent  # noqa: E402,F401
# Groups, UI login sessions and password resets likewise.
from engine.models_identity import Group, GroupMember, LoginSession, PasswordReset  # noqa: E402,F401
from engine.models_packages import ConnectorSystem, PackageImport  # noqa: E402,F401
