"""The simulator driver: virtual carrier, simulated customers with personas, virtual clock."""

from telephony.simulator.call import CallLog, CustomerVoice, SimCall
from telephony.simulator.carrier import CarrierProfile, DialPlan, PlanKind, plan_call
from telephony.simulator.clock import Clock, RealClock, VirtualClock
from telephony.simulator.driver import DriverStats, SimulatorDriver
from telephony.simulator.personas import PERSONAS, Persona, PersonaMix
from telephony.simulator.scenes import Scene, SceneVoice

__all__ = [
    "SimulatorDriver",
    "DriverStats",
    "SimCall",
    "CallLog",
    "CustomerVoice",
    "CarrierProfile",
    "DialPlan",
    "PlanKind",
    "plan_call",
    "Clock",
    "RealClock",
    "VirtualClock",
    "Persona",
    "PersonaMix",
    "PERSONAS",
    "Scene",
    "SceneVoice",
]
