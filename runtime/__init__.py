"""Runtime: dialog engine, intents, campaigns, compliance, audience, analytics and speech."""

import designer  # noqa: F401 - the layer below registers its tables first
from huashu.core.db import register_table_modules

register_table_modules(
    "runtime.campaigns.models",
    "runtime.campaigns.callerid.models",
    "runtime.campaigns.sms.models",
    "runtime.campaigns.optout",
    "runtime.privacy.suppression",
    "runtime.audience.models",
    "runtime.audit.models",
    "runtime.audit.hooks",  # not a table: designer script events -> audit entries
)
