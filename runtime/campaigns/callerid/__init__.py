"""Caller-id pools: local-first picking per call, daily caps, health by day and automatic resting.

``regions`` says where a number is (province, city, operator) from ``phonenumbers``' data;
``picker`` is the pure per-call choice; ``health`` the pure resting test; ``store`` the
tables and the service the CLI, the API, the pages and the dialer share.
"""
