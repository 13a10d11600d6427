"""Answer classifier evaluation: >= 600 generated, labelled clips (announcements in several
voices, speeds and noise levels through G.711; ringback of three regions, 彩铃 music, busy,
congestion, SIT; voicemail, screening, IVR, fax; people's first words; dead air).

Prints per-class precision/recall, the confusion matrix, the action-decision times and the
label times apart (p50/p95 per phase and per class: an announcement is acted on as one before
its kind is known), the issue's floors, and CPU per second of audio (so: concurrent calls per core).

Run: nice -n 10 .venv/bin/python bench/bench_answer_classifier.py [--clips 600] [--seed 0] [--json]
     nice -n 10 .venv/bin/python bench/bench_answer_classifier.py --prefix-floor
(--prefix-floor: how long the shared beginning 对不起，您拨打的用户 lasts in each evaluation voice and
speed, i.e. the earliest any recogniser can know which of its announcements it is.)
Rendered clips are cached in bench/out/answer-clips-<seed>-<n>.pkl (delete it to re-render).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from runtime.answer.clips import OPENS_LIKE_A_MACHINE, Clip, generate, people_like_machines  # noqa: E402
from runtime.answer.evaluation import Report, evaluate  # noqa: E402
from runtime.answer.references import default_spotter  # noqa: E402
from telephony.media.answer.classes import AnswerClass, Phase  # noqa: E402
from telephony.media.answer.phrases import PhraseSpotter  # noqa: E402

FLOORS = {"human_as_machine": ("<", 0.01), "announcement_right": (">=", 0.97),
          "decision_early_p95": ("<", 2.5), "decision_answered_p95": ("<", 3.0)}


def _clips(n: int, seed: int) -> list[Clip]:
    cache = ROOT / "bench" / "out" / f"answer-clips-{seed}-{n}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())  # noqa: S301 - our own cache file
    t0 = time.perf_counter()
    clips = list(generate(n, seed))
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(clips))
    print(f"rendered {n} clips in {time.perf_counter() - t0:.1f} s -> {cache}", file=sys.stderr)
    return clips


def _print(rep: Report) -> None:
    d = rep.to_dict()
    print(f"clips: {d['clips']}   accuracy: {d['accuracy']:.1%}")
    print("\nper class                 n   precision  recall")
    for lab, m in sorted(d["per_class"].items()):
        print(f"  {lab:24s} {int(m['n']):4d}   {m['precision']:7.1%}  {m['recall']:7.1%}")
    labels = sorted(d["per_class"])
    short = {lab: lab.replace("announcement_", "ann_")[:10] for lab in labels}
    print("\nconfusion (rows: truth, columns: verdict)")
    print(" " * 26 + " ".join(f"{short[c]:>10s}" for c in labels))
    for t in labels:
        row = d["confusion"].get(t, {})
        print(f"  {t:24s}" + " ".join(f"{row.get(c, 0) or '.':>10}" for c in labels))
    _print_times(rep)
    print(f"\nannouncement kind right: {rep.announcement_right():.1%} of announcements; "
          f"{rep.kind_right():.1%} of those acted on as an announcement"
          f" ({sum(1 for r in rep.rows if r.got is AnswerClass.ANNOUNCEMENT)} left generic)")
    cpu = rep.cpu_per_media_s()
    print(f"\nCPU: {cpu * 1000:.1f} ms per second of audio classified -> ~{1 / cpu:.0f} calls classifying at once per core"
          if cpu else "\nCPU: n/a")
    print("\nfloors (issue 21):")
    for name, value in _floor_values(rep).items():
        op, limit = FLOORS[name]
        ok = value < limit if op == "<" else value >= limit
        print(f"  {name:24s} {value:8.3f}  {op} {limit:<5}  {'met' if ok else 'NOT MET'}")


def _print_times(rep: Report) -> None:
    """Action (decided_at) and label (labelled_at) times, per phase and per true class."""
    def cell(dt: dict[str, float]) -> str:
        return f"{dt['p50']:5.2f} {dt['p95']:5.2f}" if dt["n"] else "    -     -"

    print("\ntimes, s (action: hang up / cancel / talk; label: the class, e.g. the announcement's kind)")
    print(" " * 34 + "action p50   p95   label p50   p95")
    for ph in (Phase.EARLY, Phase.ANSWERED):
        print(f"  {ph.value:24s} n={rep.decision_times(ph)['n']:<4d} {cell(rep.decision_times(ph))}"
              f"       {cell(rep.decision_times(ph, label=True))}")
        for truth in sorted({r.truth for r in rep.rows if r.phase is ph}):
            a = rep.decision_times(ph, truth=truth)
            print(f"    {truth.value:22s} n={a['n']:<4d} {cell(a)}       {cell(rep.decision_times(ph, True, truth))}")


def _people_like_machines(spotter: PhraseSpotter) -> dict[str, float]:
    """People whose first words open like an announcement or greeting (对不起… / 您好，请问…), every
    voice and speed: after answer (where they are) and, as a stress test, in early media
    (where nobody is): how often the pending ``announcement`` would fire on them."""
    from telephony.media.answer.classes import MACHINE_CLASSES
    from telephony.media.answer.detector import AnswerDetector

    out: dict[str, float] = {}
    for phase in (Phase.ANSWERED, Phase.EARLY):
        clips = list(people_like_machines(phase))
        machine = pending = 0
        for c in clips:
            det = AnswerDetector(phase, spotter)
            d = det.feed(c.pcm[i : i + 320] for i in range(0, len(c.pcm), 320))
            machine += d.label in MACHINE_CLASSES
            pending += det.action is not None and det.action.pending
        out[f"{phase.value}_n"], out[f"{phase.value}_machine"], out[f"{phase.value}_pending"] = len(clips), machine, pending
    return out


def _floor_values(rep: Report) -> dict[str, float]:
    return {"human_as_machine": rep.human_as_machine(), "announcement_right": rep.announcement_right(),
            "decision_early_p95": rep.decision_times(Phase.EARLY)["p95"],
            "decision_answered_p95": rep.decision_times(Phase.ANSWERED)["p95"]}


def _prefix_floor() -> None:
    from runtime.answer.clips import _RATES, EVAL_VOICES, _say
    from telephony.simulator import sounds as S

    cue = len(S.prefix_tone(0)) / 16000
    shared = "对不起，您拨打的用户"
    print(f"shared beginning {shared!r}: seconds of speech, and + the {cue:.2f} s cue (60% of clips have a cue)")
    print("voice".ljust(22) + "".join(f"   x{r:<4}  +cue " for r in _RATES))
    for v in EVAL_VOICES["zh"]:
        durs = [len(_say(shared, v, r)) / 16000 for r in _RATES]
        print(v.ljust(22) + "".join(f"  {d:5.2f} {d + cue:5.2f}" for d in durs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clips", type=int, default=600)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--prefix-floor", action="store_true", help="print the shared-prefix durations and stop")
    ap.add_argument("--no-people", action="store_true", help="skip the people-who-open-like-a-machine set")
    args = ap.parse_args()
    if args.prefix_floor:
        _prefix_floor()
        return
    clips = _clips(args.clips, args.seed)
    t0 = time.perf_counter()
    spotter = default_spotter()
    print(f"references rendered in {time.perf_counter() - t0:.1f} s ({len(spotter.templates)} templates)",
          file=sys.stderr)
    t0 = time.perf_counter()
    rep = evaluate(clips, spotter)
    wall = time.perf_counter() - t0
    if args.json:
        print(json.dumps({**rep.to_dict(), "floors": _floor_values(rep), "wall_s": round(wall, 1)}, ensure_ascii=False,
                         indent=2))
        return
    _print(rep)
    print(f"\nwall time {wall:.1f} s for {len(clips)} clips")
    if not args.no_people:
        p = _people_like_machines(spotter)
        print(f"\npeople who open like a machine ({', '.join(OPENS_LIKE_A_MACHINE)}), every voice and speed:")
        print(f"  after answer: {p['answered_machine']:.0f} of {p['answered_n']:.0f} taken for a machine")
        print(f"  in early media (nobody is there; stress test): the pending announcement fires on "
              f"{p['early_pending']:.0f} of {p['early_n']:.0f}")


if __name__ == "__main__":
    main()
