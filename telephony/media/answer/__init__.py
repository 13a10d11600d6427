"""What answers a call: ringback, tones, music, operator announcements, machines or a person.

Detector vs classifier (STYLE habit 5): :mod:`.features` and :mod:`.detector` turn 20 ms
frames of 8 kHz audio into features and phrase hits; :mod:`.classifier` is a pure decision
over that stream with named thresholds. Words are spotted against a closed phrase table
(:mod:`.phrases`, ``phrases/*.json``) by a :class:`~.phrases.PhraseSpotter`: the acoustic
template matcher here (:mod:`.templates`), or a recogniser the runtime injects (Whisper
scored by pinyin similarity lives in ``runtime``, because telephony must not import it).
"""
