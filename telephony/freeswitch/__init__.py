"""FreeSWITCH driver: originate and follow calls over the Event Socket (mod_event_socket)."""

from huashu.core.telephony_settings import FreeswitchSettings
from telephony.freeswitch.driver import FreeswitchDriver

__all__ = ["FreeswitchDriver", "FreeswitchSettings"]
