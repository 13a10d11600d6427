"""SIP driver: a real user agent and RTP endpoint for direct trunks and behind FreeSWITCH."""

from telephony.sip.driver import LineLimitReached, RegistrationFailed, SipDriver
from telephony.sip.settings import SipSettings
from telephony.sip.trunk import SipTrunk

__all__ = ["SipDriver", "SipTrunk", "SipSettings", "LineLimitReached", "RegistrationFailed"]
