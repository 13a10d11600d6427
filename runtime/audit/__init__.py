"""The audit trail: who changed or read what, from where, with the before and after.

Entries are appended in the caller's transaction (an audited change and its entry commit or
roll back together) and hash-chained, so a deleted, inserted or edited entry breaks the
chain that :func:`runtime.audit.verify.verify` walks. ``runtime.audit.hooks`` (imported with
the table modules by ``huashu.core.db``) turns designer script events into entries.

Modules: ``context`` (who acts), ``log`` (append, list), ``chain`` (hashing), ``verify``,
``export`` (CSV). Kept import-free here so binding an actor stays cheap for the CLI.
"""
