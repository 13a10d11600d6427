"""The dialog runtime: a pure state machine that runs a script, its call record and its test harness."""
