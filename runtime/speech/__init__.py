"""Speech for the phone line: TTS providers with a prompt cache, uploaded recordings, streaming ASR.

Everything leaves or enters this package as 8 kHz 16-bit mono PCM (see
:mod:`telephony.media.audio`). Public entry points: :mod:`runtime.speech.tts`,
:mod:`runtime.speech.cache`, :mod:`runtime.speech.recordings`, :mod:`runtime.speech.asr`,
:mod:`runtime.speech.model_files`.
"""
