"""The bottom layer every part of Huashu stands on: configuration, the database (engine,
migrations, schema lock), logging, metrics, private files and the error root.

It imports none of ``designer``, ``runtime``, ``telephony``, ``web`` or the application shell
(``huashu.cli``, ``huashu.demo``); all of them import it (``tests/test_layering.py``)."""
