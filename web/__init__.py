"""The Litestar web app: pages (Jinja2 + htmx), the mind-map editor and the REST API."""

import runtime  # noqa: F401 - the layers below register their tables first
from huashu.core.db import register_table_modules

register_table_modules("web.auth.models", "web.api.models")
