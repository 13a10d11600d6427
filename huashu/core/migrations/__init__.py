"""Alembic migrations for the Huashu database. ``huashu db upgrade`` applies them.

Released schema versions are kept as revisions in ``versions/``; a test migrates an empty
database to head and checks the result matches the models.
"""
