"""Inbox: saved personal filters, and the applicant's name on task rows (searchable, trigram index on PostgreSQL).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 09:00:00.000000

Task rows created before this revision have no applicant name; the inbox finds
them by Aktenzeichen and subject as before.
"""

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_OPEN = "status = 'open'"


def upgrade() -> None:
    op.create_table('engine_inbox_filters',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('query', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['engine_users.id'], name=op.f('fk_engine_inbox_filters_user_id_engine_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engine_inbox_filters')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_engine_inbox_filters_user_id_name'))
    )
    with op.batch_alter_table('engine_inbox_filters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engine_inbox_filters_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('engine_user_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicant', sa.String(length=300), nullable=True))
    # pg_trgm exists since 0005; a GIN trigram index on PostgreSQL, a plain one on SQLite, as the model declares.
    op.create_index('ix_engine_user_tasks_open_applicant_trgm', 'engine_user_tasks', ['applicant'], unique=False,
                    postgresql_using='gin', postgresql_ops={'applicant': 'gin_trgm_ops'},
                    postgresql_where=sa.text(_OPEN), sqlite_where=sa.text(_OPEN))


def downgrade() -> None:
    op.drop_index('ix_engine_user_tasks_open_applicant_trgm', table_name='engine_user_tasks')
    with op.batch_alter_table('engine_user_tasks', schema=None) as batch_op:
        batch_op.drop_column('applicant')
    with op.batch_alter_table('engine_inbox_filters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_engine_inbox_filters_user_id'))
    op.drop_table('engine_inbox_filters')
