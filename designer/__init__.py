"""Script designer core: the ``huashu.script/1`` format, validation, QA scoring and versions.

This package imports nothing from ``runtime``, ``telephony`` or ``web``.
"""

from designer.builtins import BUILTIN_INTENTS
from huashu.core.db import register_table_modules

register_table_modules("designer.store")

__all__ = ["BUILTIN_INTENTS"]
