"""Campaigns: data sources, call tasks, the cron scheduler, the dial queue with compliance, the dialer.

Pure logic (phone checks, compliance screening, pacing, redial policy, cron) lives in small
modules without I/O; the database layer (queue loading, claiming, scheduler, dialer loop)
sits on top. See ``docs/campaigns.md``.
"""
