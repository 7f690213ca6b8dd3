"""Execution semantics: child cases of call activities, cases started by other cases, error outcome, event subscriptions.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 12:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('engine_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_code', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('parent_case_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('parent_task_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('source_case_id', sa.String(length=36), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_engine_cases_parent_case_id_engine_cases'), 'engine_cases',
                                    ['parent_case_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_engine_cases_source_case_id_engine_cases'), 'engine_cases',
                                    ['source_case_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_engine_cases_parent_case_id'), ['parent_case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_engine_cases_source_case_id'), ['source_case_id'], unique=False)
        batch_op.create_index('ix_engine_cases_authority_started', ['authority_id', 'started_at'], unique=False)

    op.create_table('engine_event_subscriptions',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('authority_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['authority_id'], ['engine_authorities.id'], name=op.f('fk_engine_event_subscriptions_authority_id_engine_authorities')),
    sa.ForeignKeyConstraint(['case_id'], ['engine_cases.id'], name=op.f('fk_engine_event_subscriptions_case_id_engine_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engine_event_subscriptions'))
    )
    with op.batch_alter_table('engine_event_subscriptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_engine_event_subscriptions_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_engine_event_subscriptions_lookup', ['authority_id', 'kind', 'name'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('engine_event_subscriptions', schema=None) as batch_op:
        batch_op.drop_index('ix_engine_event_subscriptions_lookup')
        batch_op.drop_index(batch_op.f('ix_engine_event_subscriptions_case_id'))
    op.drop_table('engine_event_subscriptions')
    with op.batch_alter_table('engine_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_engine_cases_authority_started')
        batch_op.drop_index(batch_op.f('ix_engine_cases_source_case_id'))
        batch_op.drop_index(batch_op.f('ix_engine_cases_parent_case_id'))
        batch_op.drop_constraint(batch_op.f('fk_engine_cases_source_case_id_engine_cases'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_engine_cases_parent_case_id_engine_cases'), type_='foreignkey')
        batch_op.drop_column('source_case_id')
        batch_op.drop_column('parent_task_id')
        batch_op.drop_column('parent_case_id')
        batch_op.drop_column('error_code')
