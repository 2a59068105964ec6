"""Dedupe, the keyboard-wedge recogniser and the charset guess: pure logic, Hypothesis."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.scan.decoders import text_from_bytes, undo_latin1_reading
from kiosk.scan.dedupe import Deduper
from kiosk.scan.wedge import WedgeRecogniser, is_scannable_text

# No timed assertions in tests (timing lives in bench/), and a busy CI box must not flake.
NO_DEADLINE = settings(deadline=None)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# -- dedupe ------------------------------------------------------------------------------


def test_same_payload_is_ignored_within_the_window_then_accepted_again() -> None:
    clock = FakeClock()
    dedupe = Deduper(window_s=3.0, clock=clock)
    assert dedupe.accept("A")
    clock.now += 2.9
    assert not dedupe.accept("A")
    assert dedupe.accept("B")  # another payload is not held up
    clock.now += 3.1
    assert dedupe.accept("A")


def test_a_card_held_in_view_stays_one_scan() -> None:
    clock = FakeClock()
    dedupe = Deduper(window_s=3.0, clock=clock)
    results = []
    for _ in range(300):  # ten seconds at 30 frames a second
        results.append(dedupe.accept("CARD"))
        clock.now += 1 / 30
    assert results.count(True) == 1
    clock.now += 3.5
    assert dedupe.accept("CARD")


def test_forget_starts_afresh() -> None:
    dedupe = Deduper(clock=FakeClock())
    assert dedupe.accept("A")
    dedupe.forget()
    assert dedupe.accept("A")


def test_negative_window_is_refused() -> None:
    with pytest.raises(ValueError):
        Deduper(window_s=-1)


@NO_DEADLINE
@given(st.lists(st.tuples(st.sampled_from("ABC"), st.floats(0, 10)), max_size=60))
def test_dedupe_accepts_exactly_when_unseen_for_the_window(
    steps: list[tuple[str, float]],
) -> None:
    clock = FakeClock()
    dedupe = Deduper(window_s=3.0, clock=clock)
    last: dict[str, float] = {}
    for payload, advance in steps:
        clock.now += advance
        expected = payload not in last or clock.now - last[payload] > 3.0
        assert dedupe.accept(payload) is expected
        last[payload] = clock.now


# -- keyboard wedge ----------------------------------------------------------------------

payloads = st.text(
    alphabet=st.characters(codec="ascii", categories=["L", "N", "P", "S"]), min_size=6, max_size=80
)


def type_text(
    wedge: WedgeRecogniser, text: str, gaps: list[int] | list[float], start: float = 0.0
) -> float:
    t = start
    for ch, gap in zip(text, gaps, strict=False):
        t += gap
        wedge.key(ch, t)
    return t


@NO_DEADLINE
@given(payloads, st.data())
def test_scanner_speed_with_enter_is_a_scan(text: str, data: st.DataObject) -> None:
    wedge = WedgeRecogniser(max_gap_ms=30, min_length=6)
    gaps = data.draw(st.lists(st.integers(0, 30), min_size=len(text) + 1, max_size=len(text) + 1))
    t = type_text(wedge, text, gaps)
    assert wedge.enter(t + gaps[-1]) == text


@NO_DEADLINE
@given(payloads, st.data())
def test_human_speed_is_never_a_scan(text: str, data: st.DataObject) -> None:
    wedge = WedgeRecogniser(max_gap_ms=30, min_length=6)
    gaps = data.draw(
        st.lists(st.floats(30.5, 2000), min_size=len(text) + 1, max_size=len(text) + 1)
    )
    t = type_text(wedge, text, gaps)
    assert wedge.enter(t + gaps[-1]) is None


@NO_DEADLINE
@given(st.text(min_size=0, max_size=12), payloads, st.floats(31, 5000))
def test_typing_before_a_scan_does_not_spoil_it(prefix: str, text: str, pause: float) -> None:
    wedge = WedgeRecogniser(max_gap_ms=30, min_length=6)
    t = type_text(wedge, prefix, [200.0] * len(prefix))
    t = type_text(wedge, text, [pause] + [8.0] * (len(text) - 1), start=t)
    assert wedge.enter(t + 8.0) == text


events = st.lists(
    st.one_of(
        st.tuples(st.just("key"), st.text(max_size=3), st.integers(-50, 500)),
        st.tuples(st.just("enter"), st.just(""), st.integers(-50, 500)),
    ),
    max_size=120,
)


@NO_DEADLINE
@given(events)
def test_any_event_stream_gives_only_well_formed_scans(
    stream: list[tuple[str, str, float]],
) -> None:
    """Whatever arrives (odd text, time going backwards), a scan is the last fast run."""
    wedge = WedgeRecogniser(max_gap_ms=30, min_length=6)
    t = 0.0
    run: list[tuple[str, float]] = []  # the keys typed since the last Enter or reset
    for kind, text, advance in stream:
        t += advance
        if kind == "key":
            wedge.key(text, t)
            run = [*run, (text, t)] if is_scannable_text(text) else []
            continue
        scan = wedge.enter(t)
        if scan is not None:
            assert len(scan) >= 6
            times = [at for _, at in run] + [t]
            # the scan is the suffix of this run whose every step took 0..30 ms
            n = 1
            while n < len(run) and 0 <= times[-n - 1] - times[-n - 2] <= 30:
                n += 1
            assert 0 <= t - run[-1][1] <= 30
            assert scan == "".join(ch for ch, _ in run[-n:])
        run = []


def test_too_short_bursts_and_late_enter_are_not_scans() -> None:
    wedge = WedgeRecogniser(max_gap_ms=30, min_length=6)
    t = type_text(wedge, "12345", [5.0] * 5)
    assert wedge.enter(t + 5) is None
    t = type_text(wedge, "123456", [5.0] * 6, start=t + 100)
    assert wedge.enter(t + 31) is None  # Enter came too late after the last character


def test_non_text_keys_break_a_burst() -> None:
    wedge = WedgeRecogniser(max_gap_ms=30, min_length=3)
    t = type_text(wedge, "abc", [5.0] * 3)
    wedge.key("\x1b", t + 5)  # Escape
    assert wedge.enter(t + 10) is None


# -- charset guess for raw QR bytes -------------------------------------------------------


@NO_DEADLINE
@given(st.binary(max_size=200))
def test_text_from_bytes_never_raises(data: bytes) -> None:
    assert isinstance(text_from_bytes(data), str)


@NO_DEADLINE
@given(st.text(max_size=100))
def test_utf8_text_round_trips(text: str) -> None:
    assert text_from_bytes(text.encode("utf-8")) == text


def test_shift_jis_and_latin1_are_recognised() -> None:
    assert text_from_bytes("ﾃﾞｻﾞｲﾝQR".encode("shift_jis")) == "ﾃﾞｻﾞｲﾝQR"
    assert text_from_bytes("caf\xe9 \xff".encode("latin-1")) == "caf\xe9 \xff"


@NO_DEADLINE
@given(st.text(max_size=100))
def test_opencv_latin1_reading_is_undone(text: str) -> None:
    # OpenCV reads a byte segment as ISO-8859-1 and hands the result back as text.
    as_opencv_reads_it = text.encode("utf-8").decode("latin-1")
    assert undo_latin1_reading(as_opencv_reads_it) == text


@NO_DEADLINE
@given(st.text(max_size=100))
def testundo_latin1_reading_never_raises(text: str) -> None:
    assert isinstance(undo_latin1_reading(text), str)
