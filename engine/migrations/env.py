"""Alembic environment: runs migrations on the connection or URL it is given."""

import importlib

from alembic import context

from engine.db import Base, make_engine

config = context.config
for module in (config.get_main_option("model_modules") or "").split():
    importlib.import_module(module)


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
