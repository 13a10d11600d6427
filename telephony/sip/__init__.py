"""SIP driver: a real user agent and RTP endpoint for direct trunks and behind FreeSWITCH."""

from huashu.core.telephony_settings import SipSettings
from telephony.sip.driver import LineLimitReached, RegistrationFailed, SipDriver
from telephony.sip.trunk import SipTrunk, trunk_from_settings

__all__ = ["SipDriver", "SipTrunk", "SipSettings", "trunk_from_settings", "LineLimitReached", "RegistrationFailed"]
