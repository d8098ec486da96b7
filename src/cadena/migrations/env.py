"""Alembic environment: always run with a connection handed over by `cadena.db.upgrade`."""

from __future__ import annotations

from alembic import context

from cadena.db import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
context.run_migrations()
