"""Operator pages for analytics and audiences: the campaign report with charts, exports, saved audiences.

Mounted by the app as ``web.analytics.routes:router``; templates live beside the module.
"""
