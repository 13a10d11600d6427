"""Script designer core: the ``huashu.script/1`` format, validation, QA scoring and versions.

This package imports nothing from ``runtime``, ``telephony`` or ``web``.
"""
