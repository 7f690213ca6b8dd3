"""Procedure packages: connector systems per authority, imported packages.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 16:05:29.550067
"""

from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('engine_connector_systems',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('authority_id', sa.String(length=36), nullable=False),
    sa.Column('system', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('timeout', sa.Float(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['engine_authorities.id'], name=op.f('fk_engine_connector_systems_authority_id_engine_authorities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engine_connector_systems')),
    sa.UniqueConstraint('authority_id', 'system', name=op.f('uq_engine_connector_systems_authority_id_system'))
    )
    op.create_table('engine_package_imports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('authority_id', sa.String(length=36), nullable=False),
    sa.Column('process_key', sa.String(length=200), nullable=False),
    sa.Column('definition_id', sa.String(length=36), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('package_version', sa.String(length=50), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['authority_id'], ['engine_authorities.id'], name=op.f('fk_engine_package_imports_authority_id_engine_authorities')),
    sa.ForeignKeyConstraint(['definition_id'], ['engine_process_definitions.id'], name=op.f('fk_engine_package_imports_definition_id_engine_process_definitions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engine_package_imports'))
    )
    with op.batch_alter_table('engine_package_imports', schema=None) as batch_op:
        batch_op.create_index('ix_engine_package_imports_authority_key', ['authority_id', 'process_key'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('engine_package_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_engine_package_imports_authority_key')

    op.drop_table('engine_package_imports')
    op.drop_table('engine_connector_systems')
