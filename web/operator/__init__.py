"""Operator pages of the campaigns: task list and actions, call results and detail with the
recording, exports, blacklist and frequency caps. Mounted via :mod:`web.operator.routes`."""
