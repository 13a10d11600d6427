"""SMS follow-up after a call: per-task rules over the call's facts, templates with the script's
variables, an outbox for exactly-once queuing, and providers (Kannel, a cloud HTTP API).

``segments`` counts length the way carriers bill it; ``rules`` matches and queues (inside the
transaction that ends the call); ``outbox`` sends with leases and takes delivery reports;
``providers`` speak the gateways' wire formats; ``store`` is the service the CLI, API and pages share.
"""
