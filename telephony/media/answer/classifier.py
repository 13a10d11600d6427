"""The pure answer classifier: frame features and phrase hits in, a :class:`Decision` out.

No audio, no clock, no recogniser: the detector (:mod:`.detector`) feeds it one
:class:`~.features.FrameFeatures` per 20 ms and, when :meth:`AnswerClassifier.want_words`
asks, the spotter's verdict on the speech so far. Every threshold is named in
:class:`Thresholds`, so a tuning change is one reviewed number.

The rules, in the order they win:
1. tones: SIT (three rising tones), fax (CNG/CED), a call-progress cadence (ringback, busy,
   congestion: :mod:`.tones`), a beep after speech (voicemail, answered phase only);
2. words: a long enough stretch of speech that the spotter matches to a phrase of the
   table clearly enough (announcements, voicemail, screening, IVR);
3. shape: after answer, a short utterance followed by silence is a person ("喂？"), and so is
   speech a little longer than a machine's minimum that matched no phrase clearly, then quiet
   (a person stops and waits for an answer; a greeting goes on);
   speech that runs on is a machine greeting; steady tonal sound without the dips of speech
   is music (彩铃); nothing at all is silence;
4. the horizon: at ``max_decision_s`` the best guess so far is the decision.
Early media never holds a person (nobody has answered): speech there is an announcement,
or, matching no phrase, a 彩铃 that talks.

Action before label (early media): once the spotter's best label is an announcement that
scores ``family_score_min`` and leads every non-announcement label by ``family_margin`` (the
shared opening 对不起，您拨打的用户… matches the whole family long before its last words say
which), the verdict is a *pending* ``announcement``: the call may act on it (the bot will not
speak). The classifier keeps listening and refines it into the kind (a clear phrase, or at
``max_decision_early_s`` the best announcement phrase heard); if none, it stays ``announcement``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from telephony.media.answer.classes import ANNOUNCEMENTS, AnswerClass, Decision, Evidence, Phase
from telephony.media.answer.features import FRAME_S, FrameFeatures
from telephony.media.answer.phrases import PhraseHit
from telephony.media.answer.tones import (
    CADENCES,
    ToneSegment,
    ToneThresholds,
    ToneTracker,
    fax_tone,
    freq_fit,
    is_beep,
    is_progress_band,
    match_cadence,
    sit_at,
)

__all__ = ["Thresholds", "AnswerClassifier", "classify_features"]

A = AnswerClass
_CUE_MIN_HZ = 500.0  # the prefix cue before an announcement: a short tone above the voice's pitch
_CUE_S = (0.15, 0.9)
_GREETINGS = frozenset({A.VOICEMAIL.value, A.SCREENING.value, A.IVR.value})  # what a short look may find
_KINDS = frozenset(a.value for a in ANNOUNCEMENTS)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Every number the decision depends on."""

    active_db: float = -45.0  # below this a frame is silence whatever the noise floor
    above_floor_db: float = 7.0  # ...and it must stand this far above the quietest recent level
    bridge_gap_s: float = 0.36  # pauses shorter than this stay inside one stretch of speech
    min_speech_run_s: float = 0.12  # shorter bursts of sound are clicks, not words
    human_max_speech_s: float = 2.5  # answered: a first utterance at most this long (对不起，刚才没听清: 1.9-2.5 s) ...
    human_end_silence_s: float = 0.6  # ... followed by this much silence is a person
    machine_min_speech_s: float = 2.6  # answered: speech running this long is a machine greeting
    words_from_s: float = 1.3  # early media: ask the spotter once a stretch of speech is this long
    words_from_answered_s: float = 2.0  # answered: only speech longer than a person's first words
    words_every_s: float = 0.3  # and again this often while it runs
    short_words_min_s: float = 1.2  # answered: a short utterance this long is looked at once when it ends ...
    short_words_score: float = 0.6  # ... and is a machine's greeting only if it matches one this well ...
    short_words_margin: float = 0.2  # ... and this clearly (people measured <= 0.13; a person hung up on is the worst error)
    words_score_min: float = 0.5  # a spotter's score below this is no phrase
    words_score_floor: float = 0.3  # at the horizon, long machine speech takes the nearest phrase above this
    early_speech_is_announcement_s: float = 1.5  # early media: this much speech is an announcement, not 彩铃
    words_min_margin: float = 0.06  # score lead over the nearest other label needed to decide early
    # after answer, no cue, less speech than a machine's: the lead needed instead, while the speech sounds
    # (people who open like a machine, 对不起，刚才没听清 / 您好，请问…: first looks at 0.060-0.067, rising to 0.09
    # as the words end; machines' first accepted looks 0.067-0.40, 85 of 93 >= 0.12)
    person_like_margin: float = 0.12
    # answered, no cue: a person who opens like a machine stops after a few seconds and waits for an answer; a
    # greeting goes on. Speech past machine_min_speech_s but under person_max_speech_s with no clear phrase (a
    # greeting leading by < person_like_margin, an announcement kind by < words_min_margin) waits for
    # person_end_silence_s of quiet (a person) or for more speech (a machine), the horizon held person_wait_s longer.
    # Chosen on OPENS_LIKE_A_MACHINE (96 people; x0.9: 2.6-2.9 s of speech ending at 3.0-3.8 s) and the 640-clip
    # bench: people taken for machines 11 -> 1 of 96 (the one left is a screener's words, matched clearly), answered
    # p95 2.86 -> 2.90 s; machines' weak matches at 2.6-3.5 s of speech talk on past 3.6 s; an English IVR pausing
    # >= 0.8 s after 2.8 s of speech is taken for a person at 0.6, 0.7 and 0.8 s alike (so the shortest, 0.6 s)
    person_max_speech_s: float = 3.6
    person_end_silence_s: float = 0.6
    person_wait_s: float = 0.6
    family_score_min: float = 0.5  # early media: an announcement label this near ...
    family_margin: float = 0.1  # ... leading every machine greeting by this is "an announcement" (kind pending)
    kind_min_margin: float = 0.02  # at the horizon, a kind leading the others by less stays generic (not mislabelled)
    music_window_s: float = 1.5
    music_min_tonal: float = 0.74  # mean tonal share of a window of music (speech: ~0.6-0.7)
    music_min_notes: int = 4  # distinct strongest-peak pitches in the window
    music_note_hz: float = 60.0  # pitch buckets for counting notes (a whole tone apart at 500 Hz)
    music_max_held_tone_s: float = 0.6  # a tone held this long is a call-progress tone, not a note
    music_max_dips: float = 0.05  # share of frames 8 dB under the window median (speech has many)
    silence_early_s: float = 2.0  # early: nothing yet means "still ringing quietly"; the detector keeps listening
    ringback_gap_s: float = 0.95  # a progress tone then this much quiet: only ringback is off this long (busy <= 0.7 s)
    silence_answered_s: float = 2.8
    max_decision_early_s: float = 4.5
    max_decision_answered_s: float = 4.0
    beep_after_speech_s: float = 1.0  # a beep counts for voicemail after this much speech
    tones: ToneThresholds = field(default_factory=ToneThresholds)


@dataclass(slots=True)
class _Run:
    start_s: float
    end_s: float
    voiced_s: float = 0.0


class AnswerClassifier:
    """One call phase's classifier. ``decision`` is set once, when the evidence is enough."""

    def __init__(self, phase: Phase | str = Phase.EARLY, thresholds: Thresholds | None = None) -> None:
        self.phase = Phase(phase)
        self.th = thresholds or Thresholds()
        self.tones = ToneTracker(self.th.tones)
        self.segments: list[ToneSegment] = []
        self.evidence: list[Evidence] = []
        self.decision: Decision | None = None
        self.now = 0.0
        self._levels: deque[float] = deque(maxlen=100)  # 2 s of levels for the noise floor
        self._window: deque[tuple[float, float, float]] = deque(maxlen=int(self.th.music_window_s / FRAME_S))
        self._run: _Run | None = None
        self._runs: list[_Run] = []
        self._last_sound_s: float | None = None
        self._words_at: float | None = None
        self._best_words: PhraseHit | None = None
        self._heard_any = False
        self._music_since: float | None = None
        self._last_tone_s = -1.0
        self._nearest: PhraseHit | None = None  # best-scoring hit even below acceptance
        self._cue_before_speech = False
        self._short_look: str = ""  # "" | "pending" | "done": the one look at a short answered utterance

    # -- feeding ------------------------------------------------------------------------------
    @property
    def speech_onset_s(self) -> float | None:
        return self._run.start_s if self._run is not None else None

    def frame(self, t: float, f: FrameFeatures) -> Decision | None:
        """One 20 ms frame starting at ``t`` seconds of media."""
        self.now = t + FRAME_S
        if self.decision is not None and not self.decision.pending:
            return self.decision
        closed = self.tones.push(t, f)
        tone_now = self.tones.is_tone(f)
        if closed is not None:
            self._on_tone(closed)
        self._levels.append(f.level_db)
        floor = min(self._levels)  # the first frames of a clip are never "above the floor" of themselves
        active = f.level_db >= self.th.active_db and f.level_db >= floor + self.th.above_floor_db
        sound = active and not tone_now
        self._window.append((f.level_db, f.tonal_share, f.main_hz))
        if tone_now:
            self._last_tone_s = self.now
        if sound:
            self._heard_any = True
            self._last_sound_s = self.now
            if self._run is None or t - self._run.end_s > self.th.bridge_gap_s:
                self._close_run()
                self._run = _Run(t, self.now)
            self._run.end_s = self.now
            self._run.voiced_s += FRAME_S
        if self.decision is None:
            self._decide()
        elif self.now >= self._horizon():
            self._resolve_kind()
        return self.decision

    @property
    def pending(self) -> bool:
        """An actionable verdict (an announcement) is out; its kind is still being listened for."""
        return self.decision is not None and self.decision.pending

    def _horizon(self) -> float:
        return self.th.max_decision_early_s if self.phase is Phase.EARLY else self.th.max_decision_answered_s

    def want_words(self, every_s: float | None = None, short: bool = True) -> float | None:
        """The onset (s) of speech the spotter should judge now, or None. ``every_s``: how
        often to look (default ``words_every_s``; a streaming spotter looks every frame);
        ``short``: also one look at a short answered utterance (cheap spotters only: a
        recogniser would spend a second on every person's "喂，你好")."""
        if (self.decision is not None and not self.pending) or self._run is None or self._music_since is not None:
            return None
        run = self._run
        early_like = self.phase is Phase.EARLY or self._cue_before_speech
        need = self.th.words_from_s if early_like else self.th.words_from_answered_s
        ended = self.now - run.end_s > self.th.bridge_gap_s
        if (short and not early_like and ended and not self._short_look
                and self.th.short_words_min_s <= run.end_s - run.start_s < need):
            self._short_look = "pending"  # before the short-utterance-is-a-person rule fires
            return run.start_s
        if ended or run.end_s - run.start_s < need:
            return None
        every = self.th.words_every_s if every_s is None else every_s
        if self._words_at is not None and self.now - self._words_at < every - 1e-9:
            return None
        return run.start_s

    def words(self, hit: PhraseHit | None) -> Decision | None:
        """The spotter's verdict on the speech since ``want_words()`` (None: nothing near)."""
        self._words_at = self.now
        if self._short_look == "pending":
            self._short_look = "done"
            if (hit is not None and self.decision is None and hit.label in _GREETINGS
                    and hit.score >= self.th.short_words_score and hit.margin >= self.th.short_words_margin):
                self._decide_words(hit, "a short greeting matched clearly")
            return self.decision
        if hit is None or (self.decision is not None and not self.pending):
            return self.decision
        if self.pending and hit.label not in _KINDS:
            return self.decision  # only an announcement's kind refines an announcement
        if self._nearest is None or hit.score >= self._nearest.score or hit.end_s > self._nearest.end_s:
            self._nearest = hit  # the latest, longest look counts
        accepted = hit.score >= self.th.words_score_min
        if accepted and (self._best_words is None or hit.score >= self._best_words.score):
            self._best_words = hit
        if accepted and self._words_decide(hit):
            self._decide_words(hit, "phrase matched")
        elif self.decision is None and self._family(hit):
            self._note("phrase", f"an announcement (nearest: {hit.phrase})", hit.start_s, hit.end_s, hit.score)
            self.decision = Decision(A.ANNOUNCEMENT, round(0.5 + 0.5 * hit.score, 3), round(self.now, 2), self.phase,
                                     tuple(self.evidence), f"an announcement's opening, kind pending ({hit.spotter})",
                                     pending=True)
        return self.decision

    def _words_decide(self, hit: PhraseHit) -> bool:
        """Is the lead of an accepted phrase enough to decide now? After answer, with no cue and
        less speech than a machine's, a person's first words may open like a machine's: only a
        larger lead, and only while the speech still sounds (an utterance that has just ended
        is left to the short-utterance-then-silence rule)."""
        th = self.th
        if self.phase is Phase.EARLY or self._cue_before_speech:
            return hit.margin >= th.words_min_margin
        total = self._speech_total()
        if total >= th.person_max_speech_s or (total >= th.machine_min_speech_s and hit.label in _KINDS):
            return hit.margin >= th.words_min_margin
        sounding = self._run is not None and self.now - self._run.end_s <= FRAME_S + 1e-6
        return sounding and hit.margin >= max(th.words_min_margin, th.person_like_margin)

    def _may_be_person(self) -> bool:
        """After answer, no cue: less speech than ``person_max_speech_s`` and no clear phrase (an
        announcement's kind, or a greeting leading by ``person_like_margin``): a person who
        opens like a machine may still stop and wait for an answer."""
        th, words = self.th, self._best_words
        if self.phase is Phase.EARLY or self._cue_before_speech or self._speech_total() >= th.person_max_speech_s:
            return False
        return words is None or words.margin < (th.words_min_margin if words.label in _KINDS else th.person_like_margin)

    def _person_stopped(self, quiet_s: float) -> bool:
        """After answer: a first utterance, then quiet. Up to ``human_max_speech_s`` of speech and
        ``human_end_silence_s`` of quiet is a person; longer speech (up to ``person_max_speech_s``)
        that matched no greeting clearly needs ``person_end_silence_s``: a person stops and waits,
        a greeting talks on."""
        th, total = self.th, self._speech_total()
        if self.phase is Phase.EARLY or self._cue_before_speech or self._run is None or total <= 0:
            return False
        if total <= th.human_max_speech_s:
            return quiet_s >= th.human_end_silence_s
        return quiet_s >= th.person_end_silence_s and self._may_be_person()

    def _family(self, hit: PhraseHit) -> bool:
        """Early media: the speech is surely an operator announcement, though not yet which."""
        th = self.th
        return (self.phase is Phase.EARLY and hit.label in _KINDS and hit.score >= th.family_score_min
                and hit.lead_over(_GREETINGS) >= th.family_margin)

    def _resolve_kind(self) -> None:
        """The label horizon (or the end of media) after a pending announcement: the best
        announcement phrase heard, else the generic ``announcement``."""
        words, near, th = self._best_words, self._nearest, self.th
        if words is not None and words.label in _KINDS and words.margin >= th.kind_min_margin:
            self._decide_words(words, "best phrase by the horizon")
        elif (near is not None and near.label in _KINDS and near.score >= th.words_score_floor
              and near.margin >= th.kind_min_margin):
            self._decide_words(near, "nearest phrase by the horizon")
        else:
            assert self.decision is not None
            self._set(A.ANNOUNCEMENT, self.decision.confidence, "an announcement whose kind was not heard clearly")

    def finish(self) -> Decision:
        """No more audio: decide with what there is."""
        if self.pending:
            self._resolve_kind()
        if self.decision is None:
            closed = self.tones.flush()
            if closed is not None:
                self._on_tone(closed, final=True)
        if self.decision is None:
            self._close_run()
            self._decide(final=True)
        assert self.decision is not None
        return self.decision

    # -- deciding -------------------------------------------------------------------------------
    def _set(self, label: AnswerClass, confidence: float, reason: str) -> None:
        conf, now, first = round(min(1.0, max(0.0, confidence)), 3), round(self.now, 2), self.decision
        if first is not None and first.pending:  # the kind of an announcement acted on earlier
            self.decision = Decision(label, conf, first.decided_at_s, self.phase, tuple(self.evidence), reason,
                                     labelled_at_s=now, action=first)
            return
        self.decision = Decision(label, conf, now, self.phase, tuple(self.evidence), reason)

    def _note(self, kind: str, what: str, start: float, end: float, score: float = 1.0) -> None:
        self.evidence.append(Evidence(kind, what, start, end, score))

    def _close_run(self) -> None:
        if self._run is not None:
            self._runs.append(self._run)
            self._note("speech", f"{self._run.end_s - self._run.start_s:.2f} s of speech", self._run.start_s,
                       self._run.end_s)
            self._run = None

    def _speech_total(self) -> float:
        """Seconds of speech so far; blips shorter than ``min_speech_run_s`` (a click) do not count."""
        runs = self._runs + ([self._run] if self._run is not None else [])
        return sum(r.end_s - r.start_s for r in runs if r.voiced_s >= self.th.min_speech_run_s)

    def _on_tone(self, seg: ToneSegment, final: bool = False) -> None:
        self.segments.append(seg)
        if self.decision is not None:
            return
        sit = sit_at(self.segments)
        if sit is not None:
            self._note("tone", "SIT 914/1371/1777 Hz", sit.start_s, seg.end_s)
            self._set(A.SIT, 0.95, "special information tones")
            return
        fax = fax_tone(seg, closed=True)
        speech = self._speech_total()
        if fax == "CNG" and self.phase is Phase.ANSWERED and speech < self.th.beep_after_speech_s:
            self._note("tone", "fax CNG 1100 Hz", seg.start_s, seg.end_s)
            self._set(A.FAX, 0.9, "calling-fax tone")
            return
        if self.phase is Phase.ANSWERED and is_beep(seg) and speech >= self.th.beep_after_speech_s:
            self._note("beep", seg.describe(), seg.start_s, seg.end_s)
            self._set(A.VOICEMAIL, 0.95, "beep after a greeting")
            return
        if not is_progress_band(seg) and seg.main_hz >= _CUE_MIN_HZ and _CUE_S[0] <= seg.duration_s < _CUE_S[1]:
            self._note("tone", f"{seg.describe()} {seg.duration_s:.2f} s (cue)", seg.start_s, seg.end_s, 0.5)
            if speech == 0.0 and self._run is None:
                self._cue_before_speech = True  # people do not play a tone before saying 喂

    def _decide_words(self, hit: PhraseHit, why: str) -> None:
        self._note("phrase", hit.phrase, hit.start_s, hit.end_s, hit.score)
        label = AnswerClass(hit.label)
        self._set(label, 0.5 + 0.5 * hit.score, f"{why} ({hit.spotter})")

    def _ringback_by_phase(self) -> str | None:
        """Media that starts late in a ringback burst shows a short burst, too short for
        :func:`match_cadence`; the silence after it says which cadence it is: only ringback is
        off longer than ``ringback_gap_s`` (busy and congestion are off 0.25-0.7 s)."""
        if self.phase is not Phase.EARLY or self.tones.open_segment is not None or not self.segments:
            return None  # nothing rings after the answer
        seg = self.segments[-1]
        runs = self._runs + ([self._run] if self._run is not None else [])
        if any(r.voiced_s >= self.th.min_speech_run_s and r.end_s > seg.start_s for r in runs):
            return None  # sound after the tone (clicks aside): a cue before words, not ringing
        if not is_progress_band(seg) or self.now - seg.end_s < self.th.ringback_gap_s:
            return None
        rings = [c for c in CADENCES if c.label == "ringback" and freq_fit(seg, c)]
        if not rings:
            return None
        return f"{seg.describe()} on {seg.duration_s:.2f} s, then {self.now - seg.end_s:.2f} s quiet (ringback phase)"

    def _music(self) -> bool:
        """Music: loud all through the window, no speech-like dips, mostly tonal, and many
        notes (a steady tone, however long, is not music)."""
        if len(self._window) < self._window.maxlen:  # type: ignore[operator]
            return False
        held = self.tones.open_segment
        if held is not None and held.duration_s >= self.th.music_max_held_tone_s:
            return False
        levels = np.array([w[0] for w in self._window])
        if float(np.mean(levels >= self.th.active_db)) < 0.97:
            return False
        med = float(np.median(levels))
        dips = float(np.mean(levels < med - 8.0))
        tonal = float(np.mean([w[1] for w in self._window]))
        notes = len({round(w[2] / self.th.music_note_hz) for w in self._window if w[2] > 0})
        return dips <= self.th.music_max_dips and tonal >= self.th.music_min_tonal and notes >= self.th.music_min_notes

    def _decide(self, final: bool = False) -> None:
        th, now = self.th, self.now
        open_seg = self.tones.open_segment
        if open_seg is not None:
            ced = fax_tone(open_seg, closed=False)
            if ced:
                self._note("tone", "fax/modem answer tone 2100 Hz", open_seg.start_s, open_seg.end_s)
                self._set(A.FAX, 0.9, "answer tone")
                return
        cad = match_cadence(self.segments, open_seg)
        if cad is not None:
            cadence, desc = cad
            self._note("cadence", f"{cadence.name}: {desc}", (open_seg or self.segments[-1]).start_s, now)
            self._set(AnswerClass(cadence.label), 0.9, f"{cadence.name} cadence")
            return
        ring = self._ringback_by_phase()
        if ring is not None:
            self._note("cadence", ring, self.segments[-1].start_s, now)
            self._set(A.RINGBACK, 0.8, "a ringback burst, then its long silence")
            return
        if self._music():
            if self._music_since is None:
                self._music_since = now - th.music_window_s
            self._note("music", "steady tonal sound without speech pauses", self._music_since, now, 0.8)
            self._set(A.RINGBACK_MUSIC, 0.8, "music")
            return
        early = self.phase is Phase.EARLY
        horizon = th.max_decision_early_s if early else th.max_decision_answered_s
        if not early and self._heard_any and self._may_be_person():
            horizon += th.person_wait_s  # a person who opened like a machine is given the time to stop
        run = self._run
        quiet_since = max(run.end_s if run is not None else 0.0, self._last_tone_s)
        if self._person_stopped(now - quiet_since):
            total = self._speech_total()
            self._close_run()
            what = "a short first utterance" if total <= th.human_max_speech_s else "a first utterance matching no greeting"
            self._set(A.HUMAN, 0.85 if total <= th.human_max_speech_s else 0.7, f"{what} ({total:.2f} s) then silence")
            return
        if not self._heard_any and not self.segments:
            if now >= (th.silence_early_s if early else th.silence_answered_s) or final:
                self._note("silence", "no sound", 0.0, now)
                self._set(A.SILENCE, 0.8, "nothing heard")
            return
        if now < horizon and not final:
            if (not early and self._speech_total() >= th.machine_min_speech_s and self._best_words is not None
                    and not self._may_be_person()):
                self._decide_words(self._best_words, "long greeting, nearest phrase")
            return
        self._at_horizon()

    def _at_horizon(self) -> None:
        th = self.th
        total = self._speech_total()
        words = self._best_words
        if words is not None:
            self._decide_words(words, "best phrase by the horizon")
            return
        near = self._nearest
        if self.phase is Phase.EARLY:
            if total >= th.early_speech_is_announcement_s and near is not None and near.score >= th.words_score_floor:
                self._decide_words(near, "speech in early media, nearest phrase")
            elif total > 0.5:
                self._set(A.RINGBACK_MUSIC, 0.5, f"{total:.1f} s of speech in early media matching no phrase")
            elif any(is_progress_band(s) for s in self.segments):
                self._set(A.RINGBACK, 0.6, "progress tone without a known cadence")
            else:
                self._set(A.SILENCE, 0.6, "no speech or known tone in early media")
            return
        cued = self._cue_before_speech and near is not None and near.score >= th.words_score_floor
        if cued and near is not None:
            self._decide_words(near, "a cue tone, then speech: nearest phrase")
        elif total >= th.machine_min_speech_s and near is not None and near.score >= th.words_score_floor:
            self._decide_words(near, "a long greeting, nearest phrase")
        elif total >= th.machine_min_speech_s:
            self._set(A.VOICEMAIL, 0.6, f"{total:.1f} s of speech matching no phrase: an unknown greeting")
        elif total > 0:
            self._set(A.HUMAN, 0.7, f"{total:.1f} s of speech, not a machine's length")
        else:
            self._set(A.SILENCE, 0.6, "no speech")


def classify_features(feats: list[FrameFeatures], phase: Phase | str = Phase.EARLY,
                      thresholds: Thresholds | None = None) -> Decision:
    """Tones and shape only (no words): for tests and for audio with no speech."""
    c = AnswerClassifier(phase, thresholds)
    for i, f in enumerate(feats):
        if c.frame(i * FRAME_S, f) is not None:
            break
    return c.decision or c.finish()
