"""A staff member lifts a card's PIN block at the counter, on the real counter screen: the
demo's ledger (kiosk/demo.py: real signed cards, staff cards with DEMO_STAFF_PIN), the real
scan path (the hand scanner's), the real ops on a real SQLite file.

Three wrong PINs -> "Not paid" with "Staff: lift the block" -> the staff card -> its PIN ->
"Block lifted" -> the card again with the right PIN -> "Paid".

The new texts are not in resources/translations/heitje_nl.ts yet: the tests build the
translations as they will be (a copy of the .ts brought up to date by lupdate, LIFT_NL filled
in, lrelease), as tests/ui/desk_support.py does for the desk."""

from __future__ import annotations

import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.core.entries import Kind
from kiosk.db import pin_queries as pq
from kiosk.db.ops_queries import read_only
from kiosk.demo import DEMO_STAFF_PIN
from kiosk.ui import i18n_build as b
from kiosk.ui.i18n import Translations
from kiosk.ui.screens.counter import Page
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, apply_theme, check_sizes
from tests.ops.test_staff_unblock import RESIDENT_PIN, Seeded, counter_device, seed_counter
from tests.ui.counter_support import WAIT_MS, Counter, ledger_moves, open_counter, shown_texts
from tests.ui.shell_support import QtGui

# The Dutch of the texts this feature adds (context, English source) -> Dutch; for the report
# and for heitje_nl.ts.
LIFT_NL = {
    ("ResultPage", "Staff: lift the block"): "Medewerker: blokkade opheffen",
    ("ResultPage", "Block lifted"): "Blokkade opgeheven",
    (
        "ResultPage",
        "The card can be used again. The card holder types their PIN again at the next payment.",
    ): "De pas kan weer gebruikt worden. Bij de volgende betaling tikt de klant de pincode "
    "opnieuw in.",
    ("ResultPage", "Scan the card again"): "Scan de pas opnieuw",
    ("LiftScanPage", "Lift the PIN block"): "Blokkade van de pincode opheffen",
    (
        "LiftScanPage",
        "A staff member of the desk or kiosk staff scans their staff card. The block is lifted "
        "on this counter only.",
    ): "Een baliemedewerker of kioskbeheerder scant de eigen personeelspas. De blokkade wordt "
    "alleen op deze kassa opgeheven.",
    ("LiftScanPage", "Camera picture"): "Camerabeeld",
    ("LiftScanPage", "Cancel"): "Stoppen",
    ("LiftPinPage", "Staff PIN"): "Pincode medewerker",
    (
        "LiftPinPage",
        "The staff member types their own PIN, then touches Lift the block.",
    ): "De medewerker tikt de eigen pincode in. Druk dan op Blokkade opheffen.",
    ("LiftPinPage", "Lift the block"): "Blokkade opheffen",
    ("LiftPinPage", "Cancel"): "Stoppen",
    ("LiftPinPage", "Lifting the block\u2026"): "Blokkade opheffen\u2026",
}
CONTEXTS = {"ResultPage", "LiftScanPage", "LiftPinPage", "PinPad", "PinPage", "ScanPage"}
DESK, KIOSK, INSPECTOR = "staff-desk-1", "staff-kiosk-1", "staff-insp-1"


def fill_lift_ts(ts: Path) -> int:
    """Write LIFT_NL into a heitje_nl.ts that lupdate brought up to date; how many it filled."""
    tree = ET.parse(ts)
    filled = 0
    for context in tree.getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            dutch = LIFT_NL.get((name, message.findtext("source", "")))
            translation = message.find("translation")
            if dutch is None or translation is None:
                continue
            translation.text = dutch
            translation.attrib.pop("type", None)
            filled += 1
    tree.write(ts, encoding="utf-8", xml_declaration=True)
    return filled


@pytest.fixture(scope="module")
def i18n(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the .ts brought up to date from the code, LIFT_NL filled in, the .qm built."""
    work = tmp_path_factory.mktemp("i18n")
    ts_dir, qm_dir = work / "ts", work / "qm"
    shutil.copytree(b.TS_DIR, ts_dir)
    b.update(ts_dir=ts_dir, qm_dir=qm_dir)
    assert fill_lift_ts(b.ts_path("nl", ts_dir)) == len(LIFT_NL)
    b.release(ts_dir=ts_dir, qm_dir=qm_dir)
    return work


@pytest.fixture
def translated(qapp: QApplication, i18n: Path, ui: Translations) -> Iterator[Translations]:
    """The app set up as the shell does, with those translations instead of the built ones."""
    ui.uninstall()
    built = Translations(qapp, "nl", directory=i18n / "qm")
    yield built
    built.uninstall()
    built.deleteLater()


@pytest.fixture
def opened(
    qtbot: QtBot, tmp_path: Path, translated: Translations
) -> Iterator[tuple[Counter, Seeded]]:
    """A demo counter of Bakkerij Bemelmans; Annie's card has a PIN set at this counter."""
    seeded = seed_counter(tmp_path / "counter")
    counter = open_counter(qtbot, counter_device(tmp_path / "counter", QtGui().call), translated)
    try:
        assert counter.device.counter is not None
        done: list[object] = []
        counter.device.counter.set_pin(seeded.card, RESIDENT_PIN).success(done.append)
        qtbot.waitUntil(lambda: bool(done), timeout=WAIT_MS)
        yield counter, seeded
    finally:
        counter.close()


def blocked(counter: Counter, seeded: Seeded) -> None:
    """15,00 with Annie's card and three wrong PINs: "Not paid", blocked, the lift offered."""
    screen = counter.screen
    counter.quote("15,00", seeded.card_payload)
    counter.click(screen.confirm_go)
    counter.wait_page(Page.PIN)
    for pin in ("1111", "1112", "1113"):
        counter.type_pin(pin)
        counter.click(screen.pin_go)
        if pin != "1113":
            counter.qtbot.waitUntil(lambda: screen.state.busy is None, timeout=WAIT_MS)
    counter.wait_page(Page.RESULT)
    assert screen.result_headline.text() == "Niet betaald"
    assert "geblokkeerd" in screen.result_detail.text()
    assert screen.result_lift.isVisibleTo(screen)
    assert screen.result_lift.text() == "Medewerker: blokkade opheffen"
    assert pin_state(counter, seeded.card).blocked


def pin_state(counter: Counter, serial: str) -> pq.PinState:
    with read_only(counter.device.handle.engine) as conn:
        state = pq.pin_state(conn, serial)
    assert state is not None
    return state


def type_staff_pin(counter: Counter, pin: str) -> None:
    for digit in pin:
        counter.click(counter.screen.lift_pad.digits[digit])


def test_a_desk_volunteer_lifts_the_block_and_the_next_payment_with_the_pin_is_paid(
    opened: tuple[Counter, Seeded],
) -> None:
    counter, seeded = opened
    screen = counter.screen
    blocked(counter, seeded)

    counter.click(screen.result_lift)
    counter.wait_page(Page.LIFT_SCAN)
    assert "personeelspas" in " ".join(shown_texts(screen))
    counter.scan.scanned(seeded.staff_payloads[DESK])  # the next scan is the staff card
    counter.wait_page(Page.LIFT_PIN)
    assert not screen.lift_go.isEnabled()
    type_staff_pin(counter, "4321")
    assert screen.lift_pad.display.text() == "● ● ● ●"  # never the digits
    counter.click(screen.lift_go)
    counter.wait_text(screen.lift_message, "nog 2 keer")
    assert screen.lift_message.property("tone") == "refused"
    assert screen.page is Page.LIFT_PIN and screen.lift_pad.pin == ""
    assert pin_state(counter, seeded.card).blocked  # a wrong staff PIN lifts nothing

    type_staff_pin(counter, DEMO_STAFF_PIN)
    counter.click(screen.lift_go)
    counter.wait_page(Page.RESULT)
    assert screen.result_headline.text() == "Blokkade opgeheven"
    assert screen.result_headline.property("tone") == "ok"
    assert "pincode" in screen.result_detail.text()
    assert not screen.result_lift.isVisibleTo(screen)
    state = pin_state(counter, seeded.card)
    assert not state.blocked and state.wrong_tries == 0

    # The same amount, the card again, now with the right PIN: paid.
    assert screen.result_retry.text() == "Scan de pas opnieuw"
    counter.click(screen.result_retry)
    counter.wait_page(Page.SCAN)
    assert screen.scan_amount.text() == "15,00"
    counter.scan.scanned(seeded.card_payload)
    counter.wait_page(Page.CONFIRM)
    counter.click(screen.confirm_go)
    counter.wait_page(Page.PIN)
    counter.type_pin(RESIDENT_PIN)
    with counter.qtbot.waitSignal(screen.paid_shown, timeout=WAIT_MS):
        counter.click(screen.pin_go)
    assert screen.result_headline.text() == "Betaald"
    assert ledger_moves(counter.device)[-1] == (Kind.SPEND, 1_500)


def test_an_inspectors_card_is_refused_and_cancel_goes_back_to_the_refusal(
    opened: tuple[Counter, Seeded],
) -> None:
    counter, seeded = opened
    screen = counter.screen
    blocked(counter, seeded)
    counter.click(screen.result_lift)
    counter.wait_page(Page.LIFT_SCAN)
    # An inspector's card is refused at once, before any PIN is typed for it; another
    # staff card may try.
    counter.scan.scanned(seeded.staff_payloads[INSPECTOR])
    counter.wait_text(screen.lift_scan_message, "mag dit niet")
    assert screen.page is Page.LIFT_SCAN
    assert pin_state(counter, seeded.card).blocked

    # A resident's card is no staff card: its words, in place.
    counter.scan.scanned(seeded.card_payload)
    counter.wait_text(screen.lift_scan_message, "geen personeelspas")
    assert screen.page is Page.LIFT_SCAN

    counter.click(screen.lift_scan_cancel)
    counter.wait_page(Page.RESULT)
    assert screen.result_headline.text() == "Niet betaald"
    assert screen.result_lift.isVisibleTo(screen)
    counter.click(screen.result_lift)
    counter.wait_page(Page.LIFT_SCAN)
    assert not screen.lift_scan_message.isVisibleTo(screen)  # the last refusal is gone
    counter.scan.scanned(seeded.staff_payloads[KIOSK])
    counter.wait_page(Page.LIFT_PIN)
    counter.click(screen.lift_pin_cancel)
    counter.wait_page(Page.RESULT)
    assert pin_state(counter, seeded.card).blocked


# -- every new page in both languages and both themes ----------------------------------------


def walk_lift_pages(counter: Counter, seeded: Seeded) -> Iterator[str]:
    screen = counter.screen
    blocked(counter, seeded)
    yield "refused, the lift offered"
    counter.click(screen.result_lift)
    counter.wait_page(Page.LIFT_SCAN)
    yield "lift: scan the staff card"
    counter.scan.scanned(seeded.staff_payloads[DESK])
    counter.wait_page(Page.LIFT_PIN)
    yield "lift: the staff PIN, empty"
    type_staff_pin(counter, "4321")
    yield "lift: the staff PIN, typed"
    counter.click(screen.lift_go)
    counter.wait_text(screen.lift_message, "nog 2 keer")
    yield "lift: a wrong staff PIN"
    counter.click(screen.lift_pin_cancel)
    counter.wait_page(Page.RESULT)
    counter.click(screen.result_lift)
    counter.wait_page(Page.LIFT_SCAN)
    counter.scan.scanned(seeded.staff_payloads[INSPECTOR])
    counter.qtbot.waitUntil(lambda: screen.lift_scan_message.isVisibleTo(screen), timeout=WAIT_MS)
    assert screen.page is Page.LIFT_SCAN
    yield "lift: a staff card refused"
    counter.scan.scanned(seeded.staff_payloads[KIOSK])
    counter.wait_page(Page.LIFT_PIN)
    type_staff_pin(counter, DEMO_STAFF_PIN)
    counter.click(screen.lift_go)
    counter.wait_page(Page.RESULT)
    yield "block lifted"


def text_pattern(template: str) -> re.Pattern[str]:
    """A translated text with its %1, %2 filled in by anything."""
    return re.compile(".+".join(re.escape(part) for part in re.split(r"%\d", template)), re.S)


def test_the_lift_pages_in_both_languages_and_both_themes_are_translated_large_and_named(
    opened: tuple[Counter, Seeded], translated: Translations, i18n: Path, qapp: QApplication
) -> None:
    counter, seeded = opened
    screen = counter.screen
    ours = [m for m in b.messages(b.ts_path("nl", i18n / "ts")) if m.context in CONTEXTS]
    assert all(m.finished and m.translations[0] for m in ours), [
        m.source for m in ours if not (m.finished and m.translations[0])
    ]
    differ = [m for m in ours if m.translations[0] != m.source]
    patterns = {
        "nl": {m.translations[0]: text_pattern(m.translations[0]) for m in differ},
        "en": {m.source: text_pattern(m.source) for m in differ},
    }
    new = {"nl": set(LIFT_NL.values()), "en": {source for _, source in LIFT_NL}}
    seen: dict[str, set[str]] = {"nl": set(), "en": set()}
    problems: list[str] = []
    for name in walk_lift_pages(counter, seeded):
        for theme in (NORMAL, HIGH_CONTRAST):
            apply_theme(qapp, theme)
            for lang in ("nl", "en"):
                translated.switch(lang)
                want = "Stoppen" if lang == "nl" else "Cancel"
                counter.wait_text(screen.lift_pin_cancel, want)
                counter.qtbot.wait(10)  # the rest of the posted LanguageChange events
                other = "en" if lang == "nl" else "nl"
                for text in shown_texts(screen):
                    if any(p.fullmatch(text) for p in patterns[other].values()):
                        problems.append(f"{name}, {lang}: untranslated «{text}»")
                    seen[lang].update(t for t in new[lang] if text_pattern(t).fullmatch(text))
                problems += [f"{name}, {theme.name}, {lang}: {p}" for p in check_sizes(screen)]
        apply_theme(qapp, NORMAL)
        translated.switch("nl")
    assert problems == []
    # Every new text was on screen, in each language, but "Lifting..." (only while the op
    # runs) and the camera picture's name (this counter has no camera).
    assert new["nl"] - seen["nl"] <= {"Blokkade opheffen\u2026", "Camerabeeld"}
    assert new["en"] - seen["en"] <= {"Lifting the block\u2026", "Camera picture"}
