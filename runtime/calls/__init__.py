"""Calls: the session that runs the dialog engine over a telephony call handle, and its result."""

from runtime.calls.result import CallResult
from runtime.calls.session import CallSession, run_call
from runtime.calls.speech import OracleAsr, SpeechKit, estimate_prompt_ms
from telephony.simulator.clock import Clock, RealClock, VirtualClock

__all__ = [
    "run_call",
    "CallSession",
    "CallResult",
    "SpeechKit",
    "OracleAsr",
    "estimate_prompt_ms",
    "Clock",
    "RealClock",
    "VirtualClock",
]
