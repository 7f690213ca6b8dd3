"""FIT-Connect replies: the applicant's reply channel of a submission, notices sent back through the reply channel.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-14 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('fitconnect_submissions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_channel', sa.JSON(), nullable=True))

    op.create_table('fitconnect_replies',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('authority_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('submission_id', sa.String(length=36), nullable=False),
    sa.Column('fit_case_id', sa.String(length=36), nullable=False),
    sa.Column('destination_id', sa.String(length=36), nullable=False),
    sa.Column('dokument_ids', sa.JSON(), nullable=False),
    sa.Column('attachment_ids', sa.JSON(), nullable=False),
    sa.Column('reply_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['engine_authorities.id'], name=op.f('fk_fitconnect_replies_authority_id_engine_authorities')),
    sa.ForeignKeyConstraint(['case_id'], ['engine_cases.id'], name=op.f('fk_fitconnect_replies_case_id_engine_cases')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fitconnect_replies'))
    )
    with op.batch_alter_table('fitconnect_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fitconnect_replies_authority_id'), ['authority_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_fitconnect_replies_case_id'), ['case_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('fitconnect_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fitconnect_replies_case_id'))
        batch_op.drop_index(batch_op.f('ix_fitconnect_replies_authority_id'))

    op.drop_table('fitconnect_replies')
    with op.batch_alter_table('fitconnect_submissions', schema=None) as batch_op:
        batch_op.drop_column('reply_channel')
