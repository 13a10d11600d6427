"""Telephony drivers (simulator, SIP, FreeSWITCH ESL) and media (codecs, VAD, recordings)."""
