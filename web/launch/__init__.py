"""The launch wizard: from an approved script version to a running call task, in the browser.

``wizard`` holds the plain-data logic (the draft, form parsing, validation, column guessing,
cron previews), ``numbers`` reads and screens a list without writing anything, ``routes`` is
the Litestar controller. Tasks are created and started through ``runtime.campaigns.tasks``,
the same functions the CLI and the REST API call.
"""
