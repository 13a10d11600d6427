"""Call recordings: a stereo WAV writer (left customer, right bot) and stores that keep them.

Stereo rather than mixed: QA listens to one party at a time and ASR can be re-run on the
customer channel alone; mixing for playback is trivial, un-mixing is impossible.
"""

from telephony.contract import RecordingInfo, RecordingSink
from telephony.recording.s3 import S3Config, S3RecordingStore
from telephony.recording.store import LocalRecordingStore, RecordingStore, RecordingStoreError
from telephony.recording.wav import StereoWavSink, recover_partial

__all__ = [
    "RecordingInfo",
    "RecordingSink",
    "RecordingStore",
    "RecordingStoreError",
    "LocalRecordingStore",
    "S3Config",
    "S3RecordingStore",
    "StereoWavSink",
    "recover_partial",
]
