"""FreeSWITCH driver: originate and follow calls over the Event Socket (mod_event_socket)."""

from telephony.freeswitch.driver import FreeswitchDriver
from telephony.freeswitch.settings import FreeswitchSettings

__all__ = ["FreeswitchDriver", "FreeswitchSettings"]
