"""Make the two scan sounds, kiosk/resources/sounds/scan_ok.wav and scan_refused.wav.

    python resources/sounds/make_sounds.py

16-bit mono WAV at 44.1 kHz, under half a second each, from plain arithmetic (the output is
committed; running this again gives the same samples):

* scan_ok: a rising two-tone chime (880 Hz, then 1320 Hz, a fifth up) — "yes";
* scan_refused: a low double buzz (150 Hz with its odd harmonics, twice) — "no".

They differ in pitch, direction and rhythm, so they are told apart without looking and by
people who hear high or low tones less well. Each tone fades in and out over 6 ms (no click).
"""

from __future__ import annotations

import io
import math
import sys
import wave
from collections.abc import Iterable
from pathlib import Path

RATE = 44_100
FADE_S = 0.006
OUT_DIR = Path(__file__).resolve().parents[2] / "kiosk" / "resources" / "sounds"


def _tone(partials: Iterable[tuple[float, float]], seconds: float, level: float) -> list[float]:
    """A tone of (frequency, relative amplitude) partials, with raised-cosine fades."""
    partials = list(partials)
    norm = sum(a for _, a in partials)
    n = round(seconds * RATE)
    fade = round(FADE_S * RATE)
    out = []
    for i in range(n):
        t = i / RATE
        v = sum(a * math.sin(2 * math.pi * f * t) for f, a in partials) / norm
        edge = min(i, n - 1 - i)
        if edge < fade:
            v *= 0.5 - 0.5 * math.cos(math.pi * edge / fade)
        out.append(level * v)
    return out


def _silence(seconds: float) -> list[float]:
    return [0.0] * round(seconds * RATE)


def ok_samples() -> list[float]:
    return [*_tone([(880.0, 1.0)], 0.09, 0.5), *_silence(0.03), *_tone([(1320.0, 1.0)], 0.14, 0.5)]


def refused_samples() -> list[float]:
    # A band-limited square-ish wave: a buzz, not a beep, and low.
    buzz = [(150.0, 1.0), (450.0, 1 / 3), (750.0, 1 / 5), (1050.0, 1 / 7)]
    return [*_tone(buzz, 0.12, 0.6), *_silence(0.08), *_tone(buzz, 0.12, 0.6)]


def wav_bytes(samples: list[float]) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(
            b"".join(
                max(-32768, min(32767, round(s * 32767))).to_bytes(2, "little", signed=True)
                for s in samples
            )
        )
    return buf.getvalue()


SOUNDS = {"scan_ok.wav": ok_samples, "scan_refused.wav": refused_samples}


def main(out_dir: Path = OUT_DIR) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, make in SOUNDS.items():
        (out_dir / name).write_bytes(wav_bytes(make()))
        print(f"wrote {out_dir / name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR)
