"""The runtime's side of answer classification: reference voices for the phrase table, the
Whisper phrase spotter, labelled evaluation clips, and what each verdict means for a call.

The pure classifier and the acoustic template matcher live in ``telephony.media.answer``;
everything here needs the runtime's speech stack (TTS to render references and clips,
Whisper and pinyin for recogniser-based spotting), which telephony must not import.
"""
