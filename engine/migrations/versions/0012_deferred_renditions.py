"""Deferred renditions and the identity generation.

- A document version can wait for its rendition (made by the worker): its recipe.
- ``engine_identity_generation``: one number that moves whenever a user, an API
  token or an authority changes or goes (PostgreSQL triggers), so web
  processes can keep verified API tokens and notice at once when to stop
  trusting them (web/token_cache.py).

Revision ID: 0012
Revises: 0011
Create Date: 2027-01-10 09:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

WATCHED = ("engine_users", "engine_api_tokens", "engine_authorities")


def upgrade() -> None:
    op.add_column('eakte_dokument_versionen', sa.Column('rendition_recipe', sa.JSON(), nullable=True))
    op.create_table('engine_identity_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_engine_identity_generation'))
    )
    op.execute("INSERT INTO engine_identity_generation (id, generation) VALUES (1, 0)")
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite: web processes do not keep verified tokens (web/token_cache.py)
    op.execute("""
        CREATE FUNCTION engine_move_identity_generation() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE engine_identity_generation SET generation = generation + 1 WHERE id = 1;
            RETURN NULL;
        END $$
    """)
    for table in WATCHED:
        op.execute(f"""
            CREATE TRIGGER {table}_changed AFTER UPDATE ON {table}
            FOR EACH ROW WHEN (OLD::text IS DISTINCT FROM NEW::text) EXECUTE FUNCTION engine_move_identity_generation()
        """)
        op.execute(f"""
            CREATE TRIGGER {table}_deleted AFTER DELETE ON {table}
            FOR EACH ROW EXECUTE FUNCTION engine_move_identity_generation()
        """)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            op.execute(f"DROP TRIGGER {table}_changed ON {table}")
            op.execute(f"DROP TRIGGER {table}_deleted ON {table}")
        op.execute("DROP FUNCTION engine_move_identity_generation()")
    op.drop_table('engine_identity_generation')
    op.drop_column('eakte_dokument_versionen', 'rendition_recipe')
