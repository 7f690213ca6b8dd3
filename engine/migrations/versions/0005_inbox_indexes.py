"""Inbox indexes: partial indexes over open tasks, trigram indexes for text search (PostgreSQL).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

_OPEN = "status = 'open'"
_OPEN_UNASSIGNED = "status = 'open' AND assignee_id IS NULL"
_PARTIAL = (
    ('ix_engine_user_tasks_open_group_due', ['authority_id', 'candidate_group', 'due_at'], _OPEN_UNASSIGNED),
    ('ix_engine_user_tasks_open_group_priority', ['authority_id', 'candidate_group', 'priority'], _OPEN_UNASSIGNED),
    ('ix_engine_user_tasks_open_assignee_due', ['assignee_id', 'due_at'], _OPEN),
    ('ix_engine_user_tasks_open_authority_due', ['authority_id', 'due_at'], _OPEN),
    ('ix_engine_user_tasks_open_authority_priority', ['authority_id', 'priority'], _OPEN),
)
_TRIGRAM = ('business_key', 'subject')


def upgrade() -> None:
    for name, columns, where in _PARTIAL:
        # The procedure rides along in the main group index so counting by procedure reads the index only.
        include = ['process_key'] if name == 'ix_engine_user_tasks_open_group_due' else []
        op.create_index(name, 'engine_user_tasks', columns, unique=False, postgresql_include=include,
                        postgresql_where=sa.text(where), sqlite_where=sa.text(where))
    if op.get_bind().dialect.name == 'postgresql':
        # pg_trgm is a trusted extension: the database owner may create it (PostgreSQL 13+).
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    # GIN trigram indexes on PostgreSQL; plain indexes on SQLite, as the models declare.
    for column in _TRIGRAM:
        op.create_index(f'ix_engine_user_tasks_open_{column}_trgm', 'engine_user_tasks', [column], unique=False,
                        postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'},
                        postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN))


def downgrade() -> None:
    for column in _TRIGRAM:
        op.drop_index(f'ix_engine_user_tasks_open_{column}_trgm', table_name='engine_user_tasks')
    for name, _columns, _where in reversed(_PARTIAL):
        op.drop_index(name, table_name='engine_user_tasks')
