"""Archive offers: files offered to the archive (xdomea 0501) and the archive's appraisal (0502).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 06:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('eakte_archive_offers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('akte_id', sa.String(length=36), nullable=False),
    sa.Column('process_id', sa.String(length=36), nullable=False),
    sa.Column('disposal_code', sa.String(length=1), nullable=False),
    sa.Column('offered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('offered_by', sa.String(length=200), nullable=True),
    sa.Column('appraisal', sa.String(length=1), nullable=True),
    sa.Column('appraised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appraised_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['akte_id'], ['eakte_akten.id'], name=op.f('fk_eakte_archive_offers_akte_id_eakte_akten')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_eakte_archive_offers'))
    )
    with op.batch_alter_table('eakte_archive_offers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_eakte_archive_offers_akte_id'), ['akte_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_eakte_archive_offers_process_id'), ['process_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('eakte_archive_offers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_eakte_archive_offers_process_id'))
        batch_op.drop_index(batch_op.f('ix_eakte_archive_offers_akte_id'))
    op.drop_table('eakte_archive_offers')
