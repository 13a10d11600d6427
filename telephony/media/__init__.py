"""Phone-line media: G.711 codecs, 8 kHz PCM helpers, voice activity detection and endpointing.

Everything here works on 16-bit little-endian mono PCM at 8 kHz in 20 ms frames (320 bytes),
the unit every driver, recogniser and prompt player in Huashu exchanges.
"""
