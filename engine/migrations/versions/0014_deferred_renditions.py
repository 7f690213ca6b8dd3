"""Deferred renditions: a document version can wait for its rendition (made by the worker).

Revision ID: 0014
Revises: 0007
Create Date: 2027-01-10 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('eakte_dokument_versionen', sa.Column('rendition_recipe', sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column('eakte_dokument_versionen', 'rendition_recipe')
