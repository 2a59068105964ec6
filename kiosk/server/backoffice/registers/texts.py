"""The registers' texts, Dutch (plain B1) and English, added to the back office's one
translation table (i18n.add_texts: a key defined twice is an error), and the maps from a
stored value to the key that says it in words."""

from __future__ import annotations

from typing import Protocol

from kiosk.core import roles
from kiosk.server.backoffice.i18n import add_texts

TEXTS: dict[str, tuple[str, str]] = {
    # navigation and the home page's tiles
    "nav.residents": ("Bewoners", "Residents"),
    "nav.residents.about": (
        "Bewoners inschrijven, blokkeren, hun saldo en wat ze deden.",
        "Register and block residents; their balance and history.",
    ),
    "nav.cards": ("Passen", "Cards"),
    "nav.cards.about": (
        "Alle passen: zoek een pasnummer, zie van wie hij is.",
        "Every card: look up a card number and see whose it is.",
    ),
    "nav.neighbourhoods": ("Buurten", "Neighbourhoods"),
    "nav.neighbourhoods.about": (
        "Buurten en hun CBS-buurtcode voor de cijfers.",
        "Neighbourhoods and their CBS buurt code for the figures.",
    ),
    "nav.merchants": ("Winkels", "Shops"),
    "nav.merchants.about": (
        "Winkels die heitjes aannemen, met adres en IBAN.",
        "Shops that take heitjes, with address and IBAN.",
    ),
    "nav.staff": ("Medewerkers", "Staff"),
    "nav.staff.about": (
        "Inspecteurs en baliemedewerkers, hun pas en pincode.",
        "Inspectors and desk staff, their card and PIN.",
    ),
    "nav.devices": ("Apparaten", "Devices"),
    "nav.devices.about": (
        "Kiosken, kassa's en tablets aanmelden en intrekken.",
        "Enrol and revoke kiosks, counters and tablets.",
    ),
    "nav.klusboxes": ("Klusboxen", "Klusboxes"),
    "nav.klusboxes.about": (
        "Klusboxen, wat erin zit en of ze beschikbaar zijn.",
        "Klusboxes, what is in them and whether they are available.",
    ),
    # shared
    "registers.save": ("Opslaan", "Save"),
    "registers.edit": ("Wijzigen", "Edit"),
    "registers.actions": ("Acties", "Actions"),
    # residents
    "residents.title": ("Bewoners", "Residents"),
    "residents.new": ("Bewoner inschrijven", "Register a resident"),
    "residents.edit": ("Bewoner wijzigen", "Edit resident"),
    "residents.create": ("Inschrijven", "Register"),
    "residents.search": ("Zoek een bewoner", "Search residents"),
    "residents.name": ("Naam", "Name"),
    "residents.neighbourhood": ("Buurt", "Neighbourhood"),
    "residents.status": ("Status", "Status"),
    "residents.status_active": ("Actief", "Active"),
    "residents.status_blocked": ("Geblokkeerd", "Blocked"),
    "residents.flagged": ("saldo onder nul", "balance below zero"),
    "residents.negative": ("onder nul", "below zero"),
    "residents.balance": ("Saldo", "Balance"),
    "residents.id": ("Nummer", "Number"),
    "residents.with_card": ("Meteen een pas maken", "Make a card at once"),
    "residents.with_card_hint": (
        "Daarna kunt u de pas afdrukken.",
        "You can print the card right after.",
    ),
    "residents.block": ("Blokkeren", "Block"),
    "residents.block_confirm": (
        "Deze bewoner blokkeren? Geen apparaat neemt de passen dan nog aan.",
        "Block this resident? No device will accept their cards any more.",
    ),
    "residents.unblock": ("Weer toelaten", "Unblock"),
    # a resident's history
    "history.title": ("Wat er gebeurde", "History"),
    "history.when": ("Wanneer", "When"),
    "history.what": ("Wat", "What"),
    "history.change": ("Bij of af", "In or out"),
    "history.where": ("Waar", "Where"),
    "history.municipality": ("Gemeente", "Municipality"),
    "history.earn": ("Beloning voor de klus {chore}", "Reward for the chore {chore}"),
    "history.spend": ("Betaald bij {merchant}", "Paid at {merchant}"),
    "history.refund": ("Geld terug van {merchant}", "Refund from {merchant}"),
    "history.adjust_in": (
        "Bijgeschreven door de gemeente: {reason}",
        "Added by the municipality: {reason}",
    ),
    "history.adjust_out": (
        "Afgeschreven door de gemeente: {reason}",
        "Taken off by the municipality: {reason}",
    ),
    "history.expire": ("Saldo vervallen", "Balance expired"),
    "history.claim_signup": ("Aangemeld voor de klus {chore}", "Signed up for the chore {chore}"),
    "history.check_in": ("Begonnen aan de klus {chore}", "Started the chore {chore}"),
    "history.check_out": ("Gestopt met de klus {chore}", "Stopped the chore {chore}"),
    "history.claim_done": ("Gemeld: de klus {chore} is af", "Reported the chore {chore} done"),
    "history.approval": ("De klus {chore} is goedgekeurd", "The chore {chore} was approved"),
    "history.rejection": ("De klus {chore} is afgekeurd", "The chore {chore} was rejected"),
    "history.card_event": ("Wijziging van de pas {card}", "Change to the card {card}"),
    "history.pin_set": ("Pincode ingesteld op de pas {card}", "PIN set on the card {card}"),
    "history.loan": ("Klusbox {box} geleend", "Borrowed the klusbox {box}"),
    "history.return": ("Klusbox {box} teruggebracht", "Returned the klusbox {box}"),
    "history.review": (
        "Besluit van de gemeente over een eerdere boeking",
        "Decision of the municipality on an earlier entry",
    ),
    "history.other": ("Boeking ({kind})", "Entry ({kind})"),
    # cards
    "cards.title": ("Passen", "Cards"),
    "cards.intro": (
        "Hier vindt u elke pas. Afdrukken, kwijt melden en vervangen doet u bij de bewoner "
        "of medewerker.",
        "Every card is here. Print, report lost and replace from the resident's or staff "
        "member's page.",
    ),
    "cards.search": ("Zoek een pasnummer of naam", "Search a card number or name"),
    "cards.serial": ("Pasnummer", "Card number"),
    "cards.holder": ("Van", "Holder"),
    "cards.kind": ("Soort", "Kind"),
    "cards.kind_resident": ("Bewonerspas", "Resident card"),
    "cards.kind_staff": ("Medewerkerspas", "Staff card"),
    "cards.status": ("Status", "Status"),
    "cards.status_active": ("In gebruik", "In use"),
    "cards.status_lost": ("Kwijt, geblokkeerd", "Lost, blocked"),
    "cards.status_replaced": ("Vervangen, geblokkeerd", "Replaced, blocked"),
    "cards.status_revoked": ("Geblokkeerd", "Blocked"),
    "cards.issued": ("Gemaakt", "Issued"),
    "cards.actions": ("Acties", "Actions"),
    "cards.none": ("Nog geen pas.", "No card yet."),
    "cards.issue": ("Nieuwe pas maken", "Issue a new card"),
    "cards.print": ("Afdrukken (PDF)", "Print (PDF)"),
    "cards.print_new": ("De nieuwe pas afdrukken (PDF)", "Print the new card (PDF)"),
    "cards.lost": ("Kwijt melden", "Report lost"),
    "cards.lost_confirm": (
        "Deze pas blokkeren omdat hij kwijt is? Dat kan niet terug.",
        "Block this card because it is lost? This cannot be undone.",
    ),
    "cards.replace": ("Vervangen", "Replace"),
    "cards.replace_confirm": (
        "Een nieuwe pas maken en deze blokkeren? Het saldo blijft.",
        "Make a new card and block this one? The balance stays.",
    ),
    "cards.pin": ("Pincode", "PIN"),
    "cards.pin_yes": ("Ja", "Yes"),
    "cards.pin_no": ("Nee", "No"),
    "cards.pin_set": ("Pincode instellen", "Set a PIN"),
    "cards.pin_reset": ("Nieuwe pincode", "New PIN"),
    "cards.pin_title": ("Pincode van de pas", "The card's PIN"),
    "cards.pin_for": ("Pas {serial}", "Card {serial}"),
    "cards.pin_intro": (
        "Met een pincode vraagt de winkel de code bij grotere betalingen. Niemand kan de "
        "code later nog zien: bij vergeten stelt u een nieuwe in.",
        "With a PIN, the shop asks for it on larger payments. Nobody can see the code "
        "afterwards: if it is forgotten, set a new one.",
    ),
    "cards.pin_new": ("Pincode", "PIN"),
    "cards.pin_repeat": ("Herhaal de pincode", "Repeat the PIN"),
    "cards.pin_hint": ("4 tot 6 cijfers.", "4 to 6 digits."),
    "cards.pin_save": ("Pincode opslaan", "Save PIN"),
    "cards.pin_remove_title": ("Pincode weghalen", "Remove the PIN"),
    "cards.pin_remove_intro": (
        "Zonder pincode vraagt de winkel nooit een code.",
        "Without a PIN the shop never asks for a code.",
    ),
    "cards.pin_remove": ("Pincode weghalen", "Remove PIN"),
    "cards.pin_remove_confirm": ("De pincode weghalen?", "Remove the PIN?"),
    # neighbourhoods
    "neighbourhoods.title": ("Buurten", "Neighbourhoods"),
    "neighbourhoods.intro": (
        "De cijfers voor de gemeenteraad en het CBS gaan per buurt, onder de CBS-buurtcode.",
        "The figures for the council and Statistics Netherlands are per neighbourhood, under "
        "its CBS buurt code.",
    ),
    "neighbourhoods.new": ("Buurt toevoegen", "Add a neighbourhood"),
    "neighbourhoods.edit": ("Buurt wijzigen", "Edit neighbourhood"),
    "neighbourhoods.create": ("Toevoegen", "Add"),
    "neighbourhoods.search": ("Zoek een buurt", "Search neighbourhoods"),
    "neighbourhoods.name": ("Naam", "Name"),
    "neighbourhoods.cbs_code": ("CBS-buurtcode", "CBS buurt code"),
    "neighbourhoods.cbs_code_hint": (
        "BU en acht cijfers, bijvoorbeeld BU03630000. U kunt dit later invullen.",
        "BU and eight digits, for example BU03630000. You can fill this in later.",
    ),
    "neighbourhoods.no_code": ("nog geen code", "no code yet"),
    "neighbourhoods.residents": ("Bewoners", "Residents"),
    "neighbourhoods.merchants": ("Winkels", "Shops"),
    "neighbourhoods.id": ("Code", "Code"),
    # merchants
    "merchants.title": ("Winkels", "Shops"),
    "merchants.new": ("Winkel toevoegen", "Add a shop"),
    "merchants.edit": ("Winkel wijzigen", "Edit shop"),
    "merchants.create": ("Toevoegen", "Add"),
    "merchants.search": ("Zoek een winkel", "Search shops"),
    "merchants.name": ("Naam", "Name"),
    "merchants.address": ("Adres", "Address"),
    "merchants.address_hint": (
        "Straat, huisnummer en plaats.",
        "Street, house number and town.",
    ),
    "merchants.neighbourhood": ("Buurt", "Neighbourhood"),
    "merchants.iban": ("IBAN", "IBAN"),
    "merchants.iban_hint": (
        "Het rekeningnummer waar de gemeente de winkel op uitbetaalt. Nodig voor de uitbetaling.",
        "The account the municipality pays the shop into. Needed for the payout.",
    ),
    "merchants.no_iban": ("geen IBAN", "no IBAN"),
    "merchants.status": ("Status", "Status"),
    "merchants.status_active": ("Actief", "Active"),
    "merchants.status_blocked": ("Geblokkeerd", "Blocked"),
    # staff
    "staff.title": ("Medewerkers", "Staff"),
    "staff.new": ("Medewerker toevoegen", "Add a staff member"),
    "staff.edit": ("Medewerker wijzigen", "Edit staff member"),
    "staff.create": ("Toevoegen", "Add"),
    "staff.search": ("Zoek een medewerker", "Search staff"),
    "staff.name": ("Naam", "Name"),
    "staff.role": ("Taak", "Role"),
    "staff.role_inspector": ("Inspecteur", "Inspector"),
    "staff.role_desk": ("Klusbox-balie", "Klusbox desk"),
    "staff.role_kiosk": ("Kioskmedewerker", "Kiosk staff"),
    "staff.status": ("Status", "Status"),
    "staff.status_active": ("In dienst", "Working"),
    "staff.status_left": ("Uit dienst", "Left"),
    "staff.left_hint": (
        "Bij 'Uit dienst' worden de passen van deze medewerker meteen geblokkeerd.",
        "'Left' blocks this person's cards at once.",
    ),
    "staff.cards": ("Passen in gebruik", "Cards in use"),
    "staff.with_card": ("Meteen een medewerkerspas maken", "Make a staff card at once"),
    "staff.pin": ("Pincode", "PIN"),
    "staff.id": ("Nummer", "Number"),
    "staff.pin_title": ("Pincode van de medewerker", "The staff member's PIN"),
    "staff.pin_for": ("Voor {name}", "For {name}"),
    "staff.pin_intro": (
        "Met deze pincode bevestigt de medewerker een uitzondering op een apparaat. "
        "Niemand kan de code later nog zien.",
        "With this PIN the staff member confirms an override at a device. Nobody can see "
        "the code afterwards.",
    ),
    # devices
    "devices.title": ("Apparaten", "Devices"),
    "devices.intro": (
        "De server weet niet hoeveel boekingen een apparaat nog heeft: dat hoort hij pas "
        "als ze binnenkomen. U ziet het laatste nummer dat binnen is, wanneer de laatste "
        "zending kwam en wanneer het apparaat voor het laatst contact had.",
        "The server cannot know how many entries a device still holds: it only learns of "
        "them when they arrive. You see the last number received, when the last batch came "
        "in and when the device was last in touch.",
    ),
    "devices.new": ("Apparaat aanmelden", "Enrol a device"),
    "devices.new_intro": (
        "U krijgt een code die één keer werkt. Het apparaat krijgt de taak en de koppeling "
        "die u hier kiest.",
        "You get a code that works once. The device gets the role and binding you choose here.",
    ),
    "devices.search": ("Zoek een apparaat", "Search devices"),
    "devices.name": ("Naam", "Name"),
    "devices.name_hint": (
        "Bijvoorbeeld 'Bakker Jansen kassa 1' of 'Buurthuis Oost'.",
        "For example 'Bakker Jansen till 1' or 'Community centre East'.",
    ),
    "devices.role": ("Soort apparaat", "Kind of device"),
    "devices.role_counter": ("Winkelkassa", "Shop counter"),
    "devices.role_kiosk": ("Bewonerskiosk", "Resident kiosk"),
    "devices.role_desk": ("Klusbox-balie", "Klusbox desk"),
    "devices.role_inspector": ("Inspecteur", "Inspector"),
    "devices.merchant": ("Winkel", "Shop"),
    "devices.merchant_hint": ("Alleen voor een winkelkassa.", "For a shop counter only."),
    "devices.neighbourhoods": ("Buurten", "Neighbourhoods"),
    "devices.neighbourhoods_hint": (
        "Een kiosk of balie: de ene buurt van het buurthuis. Een inspecteur: de buurten "
        "waar hij werkt.",
        "A kiosk or desk: the one neighbourhood of its centre. An inspector: the "
        "neighbourhoods they work in.",
    ),
    "devices.create": ("Code maken", "Make the code"),
    "devices.bound_to": ("Gekoppeld aan", "Bound to"),
    "devices.status": ("Status", "Status"),
    "devices.status_active": ("Actief", "Active"),
    "devices.status_revoked": ("Ingetrokken", "Revoked"),
    "devices.status_quarantined": ("Apart gezet", "Quarantined"),
    "devices.last_seen": ("Laatst gezien", "Last seen"),
    "devices.head": ("Laatste boeking", "Last entry"),
    "devices.last_batch": ("Laatste zending", "Last batch"),
    "devices.refused": ("Geweigerd", "Refused"),
    "devices.never": ("nog nooit", "never"),
    "devices.reason": ("Reden", "Reason"),
    "devices.reason_hint": (
        "Vul bij intrekken eventueel een reden in, bijvoorbeeld 'gestolen'.",
        "When revoking, you may give a reason, for example 'stolen'.",
    ),
    "devices.revoke": ("Intrekken", "Revoke"),
    "devices.revoke_confirm": (
        "Dit apparaat intrekken? Het kan daarna niets meer sturen of ophalen.",
        "Revoke this device? It can then no longer send or fetch anything.",
    ),
    "devices.code_title": ("Aanmeldcode", "Enrolment code"),
    "devices.code_for": ("Voor {name} ({role}).", "For {name} ({role})."),
    "devices.code_once": (
        "U ziet deze code maar één keer. Hij werkt één keer en {hours} uur lang.",
        "You see this code only once. It works once, for {hours} hours.",
    ),
    "devices.qr_label": ("QR-code met de aanmeldcode", "QR code with the enrolment code"),
    "devices.code_text": ("Of typ de code:", "Or type the code:"),
    "devices.code_how": (
        "Scan de QR-code met het apparaat, of typ de code bij het aanmelden.",
        "Scan the QR code with the device, or type the code when enrolling it.",
    ),
    "devices.back": ("Terug naar de apparaten", "Back to the devices"),
    # klusboxes
    "klusboxes.title": ("Klusboxen", "Klusboxes"),
    "klusboxes.new": ("Klusbox toevoegen", "Add a klusbox"),
    "klusboxes.edit": ("Klusbox wijzigen", "Edit klusbox"),
    "klusboxes.create": ("Toevoegen", "Add"),
    "klusboxes.search": ("Zoek een klusbox", "Search klusboxes"),
    "klusboxes.name": ("Naam", "Name"),
    "klusboxes.kind": ("Soort", "Kind"),
    "klusboxes.kind_hint": (
        "Eén kort woord, bijvoorbeeld bezems. Klussen die deze soort box nodig hebben, "
        "noemen hetzelfde woord.",
        "One short word, for example brooms. Chores that need this kind of box name the same word.",
    ),
    "klusboxes.neighbourhood": ("Buurt", "Neighbourhood"),
    "klusboxes.components": ("Wat zit erin", "What is in it"),
    "klusboxes.components_hint": (
        "Eén ding per regel, bijvoorbeeld '2 bezems'. De balie vinkt ze af bij uitlenen "
        "en terugbrengen.",
        "One thing per line, for example '2 brooms'. The desk ticks them off when lending "
        "and taking back.",
    ),
    "klusboxes.state": ("Nu", "Now"),
    "klusboxes.state_available": ("Beschikbaar", "Available"),
    "klusboxes.state_lent": ("Uitgeleend sinds", "Lent since"),
    "klusboxes.state_maintenance": ("In onderhoud", "In maintenance"),
    "klusboxes.maintenance_on": ("Naar onderhoud", "To maintenance"),
    "klusboxes.maintenance_off": ("Weer beschikbaar", "Available again"),
    "klusboxes.label": ("Label afdrukken (PDF)", "Print label (PDF)"),
    # notices after a change
    "done.resident_created": ("De bewoner is ingeschreven.", "The resident is registered."),
    "done.resident_created_card": (
        "De bewoner is ingeschreven en heeft een pas. Druk de pas nu af.",
        "The resident is registered and has a card. Print the card now.",
    ),
    "done.resident_saved": ("De gegevens zijn opgeslagen.", "The details are saved."),
    "done.resident_blocked": (
        "De bewoner is geblokkeerd. De apparaten horen dit bij de volgende verbinding.",
        "The resident is blocked. The devices learn this at their next connection.",
    ),
    "done.resident_unblocked": (
        "De bewoner mag weer meedoen.",
        "The resident may take part again.",
    ),
    "done.card_issued": ("De pas is gemaakt. Druk hem nu af.", "The card is made. Print it now."),
    "done.card_lost": (
        "De pas is geblokkeerd. Maak een nieuwe met 'Vervangen'.",
        "The card is blocked. Make a new one with 'Replace'.",
    ),
    "done.card_replaced": (
        "De nieuwe pas is gemaakt en de oude geblokkeerd. Het saldo is gebleven.",
        "The new card is made and the old one blocked. The balance stayed.",
    ),
    "done.pin_set": ("De pincode is opgeslagen.", "The PIN is saved."),
    "done.pin_removed": ("De pincode is weggehaald.", "The PIN is removed."),
    "done.neighbourhood_created": ("De buurt is toegevoegd.", "The neighbourhood is added."),
    "done.neighbourhood_saved": ("De buurt is opgeslagen.", "The neighbourhood is saved."),
    "done.merchant_created": ("De winkel is toegevoegd.", "The shop is added."),
    "done.merchant_saved": ("De winkel is opgeslagen.", "The shop is saved."),
    "done.staff_created": ("De medewerker is toegevoegd.", "The staff member is added."),
    "done.staff_created_card": (
        "De medewerker is toegevoegd en heeft een pas. Druk de pas nu af.",
        "The staff member is added and has a card. Print the card now.",
    ),
    "done.staff_saved": ("De medewerker is opgeslagen.", "The staff member is saved."),
    "done.device_revoked": (
        "Het apparaat is ingetrokken.",
        "The device is revoked.",
    ),
    "done.klusbox_created": ("De klusbox is toegevoegd.", "The klusbox is added."),
    "done.klusbox_saved": ("De klusbox is opgeslagen.", "The klusbox is saved."),
    "done.klusbox_maintenance_on": (
        "De klusbox is in onderhoud.",
        "The klusbox is in maintenance.",
    ),
    "done.klusbox_maintenance_off": (
        "De klusbox is weer beschikbaar.",
        "The klusbox is available again.",
    ),
    # refusals (OfficeError codes)
    "error.name_missing": ("Vul een naam in.", "Fill in a name."),
    "error.name_invalid": (
        "De naam mag hoogstens {n} gewone tekens hebben.",
        "The name may have at most {n} ordinary characters.",
    ),
    "error.address_invalid": (
        "Het adres mag hoogstens {n} gewone tekens hebben.",
        "The address may have at most {n} ordinary characters.",
    ),
    "error.neighbourhood_missing": ("Kies een buurt.", "Choose a neighbourhood."),
    "error.neighbourhood_unknown": (
        "Die buurt bestaat niet (meer). Kies een buurt uit de lijst.",
        "That neighbourhood does not exist (any more). Choose one from the list.",
    ),
    "error.cbs_code_taken": (
        "De buurtcode {cbs} hoort al bij {name}.",
        "The buurt code {cbs} already belongs to {name}.",
    ),
    "error.resident_unknown": ("Deze bewoner bestaat niet.", "This resident does not exist."),
    "error.resident_blocked": (
        "Deze bewoner is geblokkeerd. Laat de bewoner eerst weer toe.",
        "This resident is blocked. Unblock the resident first.",
    ),
    "error.resident_already_blocked": (
        "Deze bewoner is al geblokkeerd.",
        "This resident is blocked already.",
    ),
    "error.resident_not_blocked": (
        "Deze bewoner is niet geblokkeerd.",
        "This resident is not blocked.",
    ),
    "error.card_unknown": ("Deze pas bestaat niet.", "This card does not exist."),
    "error.card_not_active": (
        "Deze pas is al geblokkeerd.",
        "This card is blocked already.",
    ),
    "error.card_already_replaced": (
        "Deze pas is al vervangen door pas {serial}.",
        "This card has already been replaced by card {serial}.",
    ),
    "error.card_not_printable": (
        "Deze pas heeft een nummer van een oude soort en kan niet worden afgedrukt. "
        "Vervang de pas: de nieuwe kan wel.",
        "This card has an old kind of number and cannot be printed. Replace the card: the "
        "new one can.",
    ),
    "error.pin_form": (
        "Een pincode is {low} tot {high} cijfers.",
        "A PIN is {low} to {high} digits.",
    ),
    "error.pin_mismatch": (
        "De twee pincodes zijn niet gelijk.",
        "The two PINs are not the same.",
    ),
    "error.pin_resident_cards_only": (
        "Alleen een bewonerspas heeft een pincode. Een medewerker stelt die in bij Medewerkers.",
        "Only a resident card has a PIN. Set a staff member's PIN under Staff.",
    ),
    "error.card_has_no_pin": ("Deze pas heeft geen pincode.", "This card has no PIN."),
    "error.merchant_unknown": (
        "Die winkel bestaat niet (meer).",
        "That shop does not exist (any more).",
    ),
    "error.merchant_status_invalid": (
        "Kies of de winkel actief of geblokkeerd is.",
        "Choose whether the shop is active or blocked.",
    ),
    "error.staff_unknown": (
        "Deze medewerker bestaat niet.",
        "This staff member does not exist.",
    ),
    "error.staff_left": (
        "Deze medewerker is uit dienst.",
        "This staff member has left.",
    ),
    "error.staff_role_invalid": (
        "Kies een taak: inspecteur, klusbox-balie of kioskmedewerker.",
        "Choose a role: inspector, klusbox desk or kiosk staff.",
    ),
    "error.staff_status_invalid": (
        "Kies of de medewerker in dienst of uit dienst is.",
        "Choose whether the staff member is working or has left.",
    ),
    "error.staff_has_no_pin": (
        "Deze medewerker heeft geen pincode.",
        "This staff member has no PIN.",
    ),
    "error.device_role_invalid": (
        "Kies een soort apparaat: winkelkassa, bewonerskiosk, klusbox-balie of inspecteur.",
        "Choose a kind of device: shop counter, resident kiosk, klusbox desk or inspector.",
    ),
    "error.device_merchant_missing": (
        "Kies de winkel van deze kassa. Een kassa hoort bij één winkel, niet bij een buurt.",
        "Choose the shop of this counter. A counter belongs to one shop, not to a neighbourhood.",
    ),
    "error.device_one_neighbourhood": (
        "Kies precies één buurt: die van het buurthuis. Een kiosk of balie hoort niet bij "
        "een winkel.",
        "Choose exactly one neighbourhood: the centre's own. A kiosk or desk does not "
        "belong to a shop.",
    ),
    "error.device_neighbourhoods_missing": (
        "Kies de buurten waar deze inspecteur werkt. Een inspecteur hoort niet bij een winkel.",
        "Choose the neighbourhoods this inspector works in. An inspector does not belong "
        "to a shop.",
    ),
    "error.device_unknown": ("Dit apparaat bestaat niet.", "This device does not exist."),
    "error.device_already_revoked": (
        "Dit apparaat is al ingetrokken.",
        "This device is revoked already.",
    ),
    "error.klusbox_unknown": ("Deze klusbox bestaat niet.", "This klusbox does not exist."),
    "error.klusbox_kind_missing": ("Vul de soort in.", "Fill in the kind."),
    "error.klusbox_kind_invalid": (
        "De soort is één kort woord: letters, cijfers of streepjes, zonder spaties.",
        "The kind is one short word: letters, digits or hyphens, without spaces.",
    ),
    "error.component_invalid": (
        "Elke regel van de inhoud mag hoogstens {n} gewone tekens hebben.",
        "Each line of the contents may have at most {n} ordinary characters.",
    ),
    "error.components_too_many": (
        "Zet hoogstens {n} dingen in een klusbox.",
        "Put at most {n} things in a klusbox.",
    ),
    "error.klusbox_in_maintenance": (
        "Deze klusbox is al in onderhoud.",
        "This klusbox is in maintenance already.",
    ),
    "error.klusbox_not_in_maintenance": (
        "Deze klusbox is niet in onderhoud.",
        "This klusbox is not in maintenance.",
    ),
    "error.klusbox_not_printable": (
        "Deze klusbox heeft een nummer van een oude soort; er is geen label voor te maken.",
        "This klusbox has an old kind of number; no label can be made for it.",
    ),
}
add_texts(TEXTS)

STAFF_ROLE_KEYS = {
    "inspector": "staff.role_inspector",
    "desk": "staff.role_desk",
    "kiosk-staff": "staff.role_kiosk",
}
DEVICE_ROLE_KEYS = {
    roles.MERCHANT_COUNTER: "devices.role_counter",
    roles.RESIDENT_KIOSK: "devices.role_kiosk",
    roles.KLUSBOX_DESK: "devices.role_desk",
    roles.INSPECTOR: "devices.role_inspector",
}
DEVICE_STATUS_KEYS = {
    "active": "devices.status_active",
    "revoked": "devices.status_revoked",
    "quarantined": "devices.status_quarantined",
}
KLUSBOX_STATE_KEYS = {
    "available": "klusboxes.state_available",
    "lent": "klusboxes.state_lent",
    "maintenance": "klusboxes.state_maintenance",
}
CARD_STATUS_KEYS = {
    "active": "cards.status_active",
    "lost": "cards.status_lost",
    "replaced": "cards.status_replaced",
    "revoked": "cards.status_revoked",
}


class _CardState(Protocol):
    @property
    def status(self) -> str: ...

    @property
    def revoke_reason(self) -> str | None: ...


def card_words(card: _CardState) -> str:
    """The key saying a card's state: in use, or blocked and why."""
    if card.status == "active":
        return CARD_STATUS_KEYS["active"]
    return CARD_STATUS_KEYS.get(card.revoke_reason or "revoked", CARD_STATUS_KEYS["revoked"])
