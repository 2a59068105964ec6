"""The resident kiosk end to end: the real demo ledger with its signed cards, the real scan
pipeline fed from card photos, the real server on 127.0.0.1 for an enrolled kiosk, real Qt.
Each test checks what the screen shows and what the ledger holds."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium  # type: ignore[import-untyped]
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from kiosk.core import accounts as acc
from kiosk.core import roles
from kiosk.core.amounts import format_amount
from kiosk.core.cards import (
    CardError,
    CardKind,
    format_serial,
    issue_card,
    new_serial,
    parse_manual_serial,
)
from kiosk.core.crypto import load_or_create_key
from kiosk.db import ops_queries as oq
from kiosk.db import sync_queries as sq
from kiosk.db.ops_queries import read_only
from kiosk.db.verify import verify_ledger
from kiosk.demo import MUNICIPALITY_DEMO_KEY
from kiosk.ops import errors as err
from kiosk.ops.device import Device
from kiosk.server import admin
from kiosk.ui.bridge import Bridge
from kiosk.ui.i18n import Translations
from kiosk.ui.i18n_build import messages, ts_path
from kiosk.ui.scan_input import ScanInput
from kiosk.ui.screens.resident import ResidentKioskScreen
from kiosk.ui.screens.resident_page import Section
from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, Theme, apply_theme, check_sizes
from tests.ops.conftest import enrol, live, local_device  # noqa: F401  (live: a fixture)
from tests.server.conftest import LiveServer
from tests.ui.resident_support import (
    JO,
    JO_NAME,
    MIA,
    MIA_NAME,
    WAIT_MS,
    Kiosk,
    all_texts,
    card_of,
    demo_card,
    demo_kiosk,
    open_kiosk,
    shown_texts,
    write_card_frames,
)
from tests.ui.shell_support import QtGui

MY_CONTEXTS = {"ResidentKioskScreen", "ResidentPage", "SerialKeypad"}


@pytest.fixture
def kiosks() -> Iterator[list[Kiosk]]:
    made: list[Kiosk] = []
    yield made
    for kiosk in made:
        kiosk.close()


def touch(widget: QWidget, pos: QPoint | None = None) -> None:
    """A finger on the widget: press and release, through Qt's event system."""
    if pos is None:
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
    else:
        QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def scan_and_wait(qtbot: QtBot, kiosk: Kiosk, serial: str) -> None:
    with qtbot.waitSignal(kiosk.screen.resident_shown, timeout=WAIT_MS):
        kiosk.screen.on_card(serial)


def click_and_refresh(qtbot: QtBot, kiosk: Kiosk, name: str) -> None:
    """Touch a button of the resident's page and wait for the page read again after it."""
    button = kiosk.screen.findChild(QPushButton, name)
    assert button is not None, name
    assert button.isVisible() and button.isEnabled(), name
    with qtbot.waitSignal(kiosk.screen.resident_shown, timeout=WAIT_MS):
        touch(button)


def rows(section: Section) -> list[str]:
    """The text of each row of a section, as shown (a row's words, without its buttons)."""
    out = []
    for i in range(section.rows.count()):
        item = section.rows.itemAt(i)
        row = item.widget() if item is not None else None
        assert row is not None
        out.append(row.text() if isinstance(row, QLabel) else row.findChildren(QLabel)[0].text())
    return out


def buttons(section: QWidget) -> list[str]:
    return sorted(
        b.objectName() for b in section.findChildren(QPushButton) if b.isVisibleTo(section)
    )


def claims_in_ledger(device: Device, resident_id: str) -> list[tuple[str, str]]:
    with read_only(device.handle.engine) as conn:
        return sorted((c.chore_id, c.status) for c in oq.resident_claims(conn, resident_id))


def last_entries(device: Device, count: int) -> list[tuple[str, dict[str, object]]]:
    """This device's newest signed entries: kind and refs."""
    head, _ = device.store.head()
    with read_only(device.handle.engine) as conn:
        entries = sq.entries_in_range(conn, device.device_id, head - count + 1, head)
    return [(e.kind.value, dict(e.refs)) for e in entries]


# -- the camera: balance, history, sign up, check in, check out ---------------------------------


def test_a_resident_scans_at_the_camera_signs_up_checks_in_and_out(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    data = tmp_path / "kiosk"
    _serial, payload = demo_card(data, JO)
    frames = write_card_frames(tmp_path / "camera", payload)
    with_camera = demo_kiosk(data, ui, camera=frames, idle_ms=600_000)
    kiosks.append(with_camera)
    screen, device = with_camera.screen, with_camera.device
    page = screen.resident

    with qtbot.waitSignal(screen.resident_shown, timeout=WAIT_MS):
        pass  # the photos play to the camera; no touch
    # The balance the counter enforces, in large type: 5,00 earned, 2,75 paid, 0,75 back.
    assert device.kiosk is not None
    spendable = device.kiosk.show_resident_now(card_of(device, JO)[0]).balance
    assert spendable is not None
    assert spendable == device.store.balance(acc.wallet(JO)) == 300
    assert page.balance.text() == "3,00" == format_amount(spendable, "nl")
    assert page.balance.property("text_size") == "huge"
    assert page.name.text() == JO_NAME
    assert page.place.text() == "Grasbroek"
    history = rows(page.history)
    assert len(history) == 3
    assert history[0].endswith("Terug van Bakkerij Bemelmans — +0,75")
    assert history[1].endswith("Bakkerij Bemelmans — 2,75")
    assert history[2].endswith("Beloning: Pleintje vegen bij de Grasbroekerweg — +5,00")
    assert all(line.startswith("18-11-2026") for line in history)
    # Loans with their due dates, the late one marked.
    loans = page.loans.findChildren(QLabel)
    late = [label for label in loans if "had terug moeten zijn op 17-11-2026" in label.text()]
    assert len(late) == 1 and late[0].property("tone") == "warning"
    assert any("terug op 21-11-2026" in label.text() for label in loans)
    # Jo did klus-001 already: open to him is klus-004, where Annie and Mia took 2 places of 5.
    assert rows(page.open_chores) == ["Bladeren ruimen bij het buurthuis — 6,00 — nog 3 plaatsen"]
    assert rows(page.my_chores) == ["Pleintje vegen bij de Grasbroekerweg — Beloond"]
    assert buttons(page.my_chores) == []

    click_and_refresh(qtbot, with_camera, "sign_up_klus-004")
    assert claims_in_ledger(device, JO) == [("klus-001", "rewarded"), ("klus-004", "signed_up")]
    assert page.notice.text() == "Je bent aangemeld voor: Bladeren ruimen bij het buurthuis"
    assert page.notice.property("tone") == "ok"
    assert rows(page.open_chores) == []
    assert page.open_chores.empty.isVisibleTo(screen)
    assert "Bladeren ruimen bij het buurthuis — Aangemeld" in rows(page.my_chores)
    claim = [c for c in page.my_chores.findChildren(QPushButton) if c.isVisibleTo(screen)]
    assert [b.text() for b in claim] == ["Inchecken"]
    claim_id = claim[0].objectName().removeprefix("check_in_")

    click_and_refresh(qtbot, with_camera, claim[0].objectName())
    assert ("klus-004", "checked_in") in claims_in_ledger(device, JO)
    assert "Bladeren ruimen bij het buurthuis — Bezig (ingecheckt)" in rows(page.my_chores)
    out = [c for c in page.my_chores.findChildren(QPushButton) if c.isVisibleTo(screen)]
    assert [b.text() for b in out] == ["Uitchecken"]

    click_and_refresh(qtbot, with_camera, out[0].objectName())
    assert ("klus-004", "done") in claims_in_ledger(device, JO)
    assert "Bladeren ruimen bij het buurthuis — Klaar, wacht op keuring" in rows(page.my_chores)
    assert page.notice.text() == (
        "Je bent uitgecheckt voor: Bladeren ruimen bij het buurthuis. Bedankt!"
    )
    assert buttons(page.my_chores) == []
    # Three signed entries more, chained onto the demo's ledger.
    assert [(kind, refs.get("claim")) for kind, refs in last_entries(device, 3)] == [
        ("claim_signup", claim_id),
        ("check_in", claim_id),
        ("check_out", claim_id),
    ]
    assert verify_ledger(device.handle.engine).ok
    assert page.balance.text() == "3,00"  # a chore pays only once it is approved


def test_camera_hand_scanner_and_keypad_give_the_same_screen(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    data = tmp_path / "kiosk"
    serial, payload = demo_card(data, JO)
    frames = write_card_frames(tmp_path / "camera", payload)  # played once, then it ends
    kiosk = demo_kiosk(data, ui, camera=frames, idle_ms=600_000)
    kiosks.append(kiosk)
    screen = kiosk.screen
    with qtbot.waitSignal(screen.resident_shown, timeout=WAIT_MS):
        pass  # the camera sees the card
    by_camera = shown_texts(screen)
    assert JO_NAME in by_camera and "3,00" in by_camera

    with qtbot.waitSignal(screen.went_home, timeout=WAIT_MS):
        touch(screen.resident.done)
    with qtbot.waitSignal(screen.resident_shown, timeout=WAIT_MS):
        kiosk.scan.scanned(payload)  # a hand scanner's payload
    assert shown_texts(screen) == by_camera

    with qtbot.waitSignal(screen.went_home, timeout=WAIT_MS):
        touch(screen.resident.done)
    touch(screen.open_keypad)
    assert screen.pages.currentWidget() is screen.keypad
    for symbol in serial:
        touch(screen.keypad.keys[symbol])
    assert screen.keypad.display.text() == format_serial(serial)
    with qtbot.waitSignal(screen.resident_shown, timeout=WAIT_MS):
        touch(screen.keypad.ok)
    assert shown_texts(screen) == by_camera


def test_without_a_camera_home_says_to_type_the_number(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    kiosk = demo_kiosk(tmp_path / "kiosk", ui, idle_ms=600_000)
    kiosks.append(kiosk)
    screen = kiosk.screen
    assert screen.instruction.text() == "Houd je pas voor de camera"
    assert screen.instruction.property("text_size") == "huge"
    assert screen.preview.text() == "Hier is geen camera. Typ je pasnummer in."
    assert screen.open_keypad.text() == "Typ je pasnummer"


def test_a_new_scan_replaces_the_resident_shown(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    kiosk = demo_kiosk(tmp_path / "kiosk", ui, idle_ms=600_000)
    kiosks.append(kiosk)
    scan_and_wait(qtbot, kiosk, card_of(kiosk.device, JO)[0])
    scan_and_wait(qtbot, kiosk, card_of(kiosk.device, MIA)[0])
    texts = all_texts(kiosk.screen)
    assert MIA_NAME in texts and "0,00" in texts
    assert JO_NAME not in texts and not any("Bakkerij" in t for t in texts)
    assert [r for r in rows(kiosk.screen.resident.my_chores)] == [
        "Bladeren ruimen bij het buurthuis — Aangemeld"
    ]


def test_an_answer_that_arrives_after_done_is_dropped(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    """One reader thread, so the answers come back in the order asked: when a look-up asked
    after Jo's has answered, Jo's answer has arrived too, and was dropped."""
    kiosk = demo_kiosk(tmp_path / "kiosk", ui, idle_ms=600_000, readers=1)
    kiosks.append(kiosk)
    assert kiosk.device.kiosk is not None
    kiosk.screen.on_card(card_of(kiosk.device, JO)[0])
    kiosk.screen.go_home()  # "Klaar" before the answer is back
    later: list[object] = []
    kiosk.device.kiosk.show_resident(card_of(kiosk.device, MIA)[0]).success(later.append)
    qtbot.waitUntil(lambda: bool(later), timeout=WAIT_MS)
    assert kiosk.screen.pages.currentWidget() is kiosk.screen.home
    assert personal(all_texts(kiosk.screen)) == []


# -- refusals -------------------------------------------------------------------------------------


def test_an_unknown_card_and_a_mistyped_number_are_refused_in_words(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    data = tmp_path / "kiosk"
    kiosk = demo_kiosk(data, ui, idle_ms=600_000)
    kiosks.append(kiosk)
    screen = kiosk.screen
    scan_and_wait(qtbot, kiosk, card_of(kiosk.device, JO)[0])
    # A card the municipality really signed, but for no one this kiosk knows.
    stranger = issue_card(
        load_or_create_key(data / MUNICIPALITY_DEMO_KEY),
        CardKind.RESIDENT,
        new_serial(CardKind.RESIDENT),
        dt.date(2026, 11, 1),
    )
    with qtbot.waitSignal(screen.went_home, timeout=WAIT_MS):
        kiosk.scan.scanned(stranger.payload)
    qtbot.waitUntil(lambda: screen.home_message.property("tone") == "refused", timeout=WAIT_MS)
    unknown = err.unknown_card()
    assert screen.home_message.text() == unknown.nl and screen.home_message.isVisibleTo(screen)
    assert JO_NAME not in all_texts(screen)
    # The refusal is re-said in English when the language changes.
    ui.switch("en")
    qtbot.waitUntil(lambda: screen.home_message.text() == unknown.en, timeout=WAIT_MS)
    ui.switch("nl")
    qtbot.waitUntil(lambda: screen.home_message.text() == unknown.nl, timeout=WAIT_MS)

    # A typed number with a wrong check character: refused before any look-up.
    serial = card_of(kiosk.device, JO)[0]
    wrong = serial[:-1] + ("0" if serial[-1] != "0" else "1")
    touch(screen.open_keypad)
    for symbol in wrong:
        touch(screen.keypad.keys[symbol])
    touch(screen.keypad.ok)
    assert screen.pages.currentWidget() is screen.home
    assert screen.home_message.property("tone") == "refused"
    with pytest.raises(CardError) as typed:
        parse_manual_serial(wrong)
    assert typed.value.code == "bad_check_char"
    assert screen.home_message.text() == typed.value.nl


def test_a_revoked_card_is_refused_and_a_new_snapshot_refreshes_the_balance(
    qtbot: QtBot,
    tmp_path: Path,
    ui: Translations,
    live: LiveServer,  # noqa: F811
    kiosks: list[Kiosk],
) -> None:
    """An enrolled kiosk against the real server: cards signed with the server's key."""
    greet = issue_card(
        live.server.key, CardKind.RESIDENT, new_serial(CardKind.RESIDENT), dt.date(2026, 11, 1)
    )
    admin.add_resident(live.server, "r-9", "Greet Wolters", "nb-1", card_serial=greet.serial)
    admin.grant(live.server, "r-9", 1_250, "welkom")
    gui = QtGui()
    dev = enrol(live, tmp_path / "kiosk", gui, roles.RESIDENT_KIOSK, neighbourhood="nb-1")
    kiosk = open_kiosk(dev.device, ui, idle_ms=600_000)
    kiosks.append(kiosk)
    screen = kiosk.screen
    page = screen.resident

    with qtbot.waitSignal(screen.resident_shown, timeout=WAIT_MS):
        kiosk.scan.scanned(greet.payload)
    assert (page.name.text(), page.balance.text()) == (
        "Greet Wolters",
        "12,50",
    )

    # The office grants more; the next sync brings a snapshot and the page follows by itself.
    admin.grant(live.server, "r-9", 500, "extra")
    with qtbot.waitSignal(screen.resident_shown, timeout=WAIT_MS):
        dev.sync()
    assert page.balance.text() == "17,50"

    # The card is reported lost: the server revokes it, the kiosk learns it at the next sync,
    # and the page shown goes home with the reason (the refresh finds the card revoked).
    admin.revoke_card(live.server, greet.serial)
    with qtbot.waitSignal(screen.went_home, timeout=WAIT_MS):
        dev.sync()
    qtbot.waitUntil(lambda: screen.home_message.property("tone") == "refused", timeout=WAIT_MS)
    assert screen.home_message.text() == err.card_revoked().nl
    assert "Greet Wolters" not in all_texts(screen) and "17,50" not in all_texts(screen)

    # Held to the camera or the hand scanner again: the card check itself refuses it.
    screen.go_home()
    assert screen.home_message.property("tone") is None
    kiosk.scan.scanned(greet.payload)
    qtbot.waitUntil(lambda: screen.home_message.property("tone") == "refused", timeout=WAIT_MS)
    assert screen.home_message.text() == (
        "Deze kaart is geblokkeerd (bijvoorbeeld omdat hij kwijt was). Vraag om hulp."
    )
    assert screen.pages.currentWidget() is screen.home


# -- idle: nothing personal left ----------------------------------------------------------------


def personal(texts: list[str]) -> list[str]:
    marks = (JO_NAME, "Ubachs", "3,00", "3.00", "Bakkerij", "Pleintje", "Bladeren", "Veegbox")
    return [t for t in texts if any(mark in t for mark in marks)]


def test_idle_goes_home_and_leaves_nothing_personal_in_any_widget(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    kiosk = demo_kiosk(tmp_path / "kiosk", ui, idle_ms=3_000)  # a short wait, not a timing
    kiosks.append(kiosk)
    screen = kiosk.screen
    with qtbot.waitSignal(screen.went_home, timeout=WAIT_MS):
        scan_and_wait(qtbot, kiosk, card_of(kiosk.device, JO)[0])
        assert personal(all_texts(screen))  # the walk sees what was on screen
    qtbot.waitUntil(lambda: screen.pages.currentWidget() is screen.home, timeout=WAIT_MS)
    QApplication.processEvents()
    assert personal(all_texts(screen)) == []
    assert screen.findChildren(QPushButton, "sign_up_klus-004") == []
    assert screen.resident.balance.text() == screen.resident.name.text() == ""
    assert screen.home_message.isHidden()
    # The keypad goes home by itself too, and forgets what was typed.
    serial = card_of(kiosk.device, JO)[0]
    touch(screen.open_keypad)
    for symbol in serial[:4]:
        touch(screen.keypad.keys[symbol])
    with qtbot.waitSignal(screen.went_home, timeout=WAIT_MS):
        pass
    assert screen.keypad.typed == "" and format_serial(serial[:4]) not in all_texts(screen)


def test_done_goes_home_and_a_touch_keeps_the_page_open(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    hour = 3_600_000
    kiosk = demo_kiosk(tmp_path / "kiosk", ui, idle_ms=hour)
    kiosks.append(kiosk)
    screen = kiosk.screen
    scan_and_wait(qtbot, kiosk, card_of(kiosk.device, JO)[0])
    assert screen.idle.isActive()
    qtbot.waitUntil(lambda: screen.idle.remainingTime() < hour - 1_000, timeout=WAIT_MS)
    # A touch anywhere on the page (here: on the balance) starts the hour again.
    touch(screen.resident.balance, QPoint(5, 5))
    assert screen.idle.remainingTime() > hour - 1_000
    with qtbot.waitSignal(screen.went_home, timeout=WAIT_MS):
        touch(screen.resident.done)
    assert not screen.idle.isActive() and personal(all_texts(screen)) == []


# -- printing -----------------------------------------------------------------------------------


def test_the_balance_slip_prints_the_balance_and_history(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    out = tmp_path / "slips"
    out.mkdir()
    kiosk = demo_kiosk(tmp_path / "kiosk", ui, idle_ms=600_000, printer=f"pdf:{out}")
    kiosks.append(kiosk)
    screen = kiosk.screen
    scan_and_wait(qtbot, kiosk, card_of(kiosk.device, JO)[0])
    assert screen.resident.print_slip.isVisibleTo(screen) and screen.resident.print_slip.text() == (
        "Saldo-overzicht printen"
    )
    touch(screen.resident.print_slip)
    qtbot.waitUntil(lambda: screen.resident.notice.isVisibleTo(screen), timeout=WAIT_MS)
    assert screen.resident.notice.text() == "Je saldo-overzicht is geprint."
    pdfs = list(out.glob("*.pdf"))
    assert len(pdfs) == 1
    doc = pdfium.PdfDocument(pdfs[0])
    try:
        text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()
    assert "Saldo-overzicht" in text and "3,00" in text and "Bakkerij Bemelmans" in text
    assert JO_NAME not in text  # the slip names no one

    without = demo_kiosk(tmp_path / "kiosk2", ui, idle_ms=600_000)
    kiosks.append(without)
    scan_and_wait(qtbot, without, card_of(without.device, JO)[0])
    assert not without.screen.resident.print_slip.isVisibleTo(without.screen)


# -- languages and access -----------------------------------------------------------------------


def _my_messages() -> dict[str, str]:
    return {
        msg.source: msg.translations[0]
        for msg in messages(ts_path("nl"))
        if msg.context in MY_CONTEXTS
    }


def _left_over(texts: list[str], sources: dict[str, str]) -> list[str]:
    """The texts that are one of the keys of `sources` (its %1 filled in) where the key differs
    from its translation: English left in Dutch mode, or (keys Dutch) Dutch left in English."""
    patterns = [
        re.compile(re.escape(src).replace("%1", ".+") + "$")
        for src, nl in sources.items()
        if src != nl
    ]
    return [t for t in texts if any(p.match(t) for p in patterns)]


def _pages(qtbot: QtBot, kiosk: Kiosk) -> Iterator[str]:
    """Bring each page of the screen in front, in turn (with every kind of row filled)."""
    screen = kiosk.screen
    screen.go_home()
    yield "home"
    touch(screen.open_keypad)
    touch(screen.keypad.keys["R"])
    yield "keypad"
    touch(screen.keypad.ok)  # "R" alone: refused
    qtbot.waitUntil(lambda: screen.home_message.isVisibleTo(screen), timeout=WAIT_MS)
    yield "home, refused"
    scan_and_wait(qtbot, kiosk, card_of(kiosk.device, MIA)[0])
    click_and_refresh(qtbot, kiosk, "sign_up_klus-001")
    yield "Mia, signed up"
    check_in = [
        b for b in kiosk.screen.resident.my_chores.findChildren(QPushButton) if b.isVisible()
    ]
    click_and_refresh(qtbot, kiosk, check_in[0].objectName())
    yield "Mia, checked in"
    scan_and_wait(qtbot, kiosk, card_of(kiosk.device, JO)[0])
    yield "Jo, with loans"


def test_every_text_is_translated_in_both_languages(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk]
) -> None:
    kiosk = demo_kiosk(tmp_path / "kiosk", ui, idle_ms=600_000, printer=f"pdf:{tmp_path}")
    kiosks.append(kiosk)
    screen = kiosk.screen
    sources = _my_messages()
    assert "Hold your card in front of the camera" in sources
    assert all(nl.strip() for nl in sources.values()), "a text of ours has no Dutch"
    dutch_of = {nl: src for src, nl in sources.items()}
    seen: set[str] = set()
    for page in _pages(qtbot, kiosk):
        dutch = shown_texts(screen)
        assert _left_over(dutch, sources) == [], page
        ui.switch("en")
        qtbot.waitUntil(lambda: screen.resident.done.text() == "Done", timeout=WAIT_MS)
        english = shown_texts(screen)
        assert _left_over(english, dutch_of) == [], page  # and no Dutch left in English
        assert len(english) == len(dutch), page
        assert english != dutch, page
        seen.update(src for src in sources if _left_over(english, {src: ""}))
        ui.switch("nl")
        qtbot.waitUntil(lambda: screen.resident.done.text() == "Klaar", timeout=WAIT_MS)
        assert shown_texts(screen) == dutch, page  # and back again, exactly
    # Most of our texts were on screen at some point of the walk.
    assert len(seen) >= len(sources) * 3 // 4, sorted(set(sources) - seen)


@pytest.mark.parametrize("theme", [NORMAL, HIGH_CONTRAST], ids=lambda t: t.name)
def test_sizes_and_names_on_every_page_in_both_themes(
    qtbot: QtBot, tmp_path: Path, ui: Translations, kiosks: list[Kiosk], theme: Theme
) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    apply_theme(app, theme)
    kiosk = demo_kiosk(tmp_path / "kiosk", ui, idle_ms=600_000, printer=f"pdf:{tmp_path}")
    kiosks.append(kiosk)
    qtbot.waitExposed(kiosk.screen)
    for page in _pages(qtbot, kiosk):
        QApplication.processEvents()
        assert check_sizes(kiosk.screen) == [], page


def test_the_screen_needs_a_kiosk_device(tmp_path: Path, ui: Translations) -> None:
    counter = local_device(tmp_path / "counter", QtGui(), "merchant-counter")
    bridge = Bridge(counter.hub)
    try:
        with pytest.raises(ValueError, match="merchant-counter device has no resident kiosk"):
            ResidentKioskScreen(counter, ScanInput(counter), ui, bridge)
    finally:
        bridge.close()
        counter.close()
