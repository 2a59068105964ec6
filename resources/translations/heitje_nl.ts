<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="nl" sourcelanguage="en">
<context>
    <name>AmountPad</name>
    <message>
        <source>Amount: %1</source>
        <translation>Bedrag: %1</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Wissen</translation>
    </message>
    <message>
        <source>Clear the amount</source>
        <translation>Bedrag wissen</translation>
    </message>
    <message>
        <source>Decimal comma</source>
        <translation>Komma</translation>
    </message>
    <message>
        <source>Delete the last digit</source>
        <translation>Laatste cijfer weghalen</translation>
    </message>
</context>
<context>
    <name>AmountPage</name>
    <message>
        <source>End of day</source>
        <translation>Einde van de dag</translation>
    </message>
    <message>
        <source>Next: scan the card</source>
        <translation>Verder: pas scannen</translation>
    </message>
    <message>
        <source>Today&apos;s payments</source>
        <translation>Betalingen van vandaag</translation>
    </message>
    <message>
        <source>Type the amount</source>
        <translation>Tik het bedrag in</translation>
    </message>
</context>
<context>
    <name>ConfirmPage</name>
    <message>
        <source>Amount: %1</source>
        <translation>Bedrag: %1</translation>
    </message>
    <message>
        <source>Balance on the card: %1</source>
        <translation>Saldo op de pas: %1</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Confirm the payment</source>
        <translation>Betaling controleren</translation>
    </message>
    <message>
        <source>Left after paying: %1</source>
        <translation>Over na betalen: %1</translation>
    </message>
    <message>
        <source>Next: PIN</source>
        <translation>Verder: pincode</translation>
    </message>
    <message>
        <source>Offline limits in force: at most %1 a payment; this card can spend %2 more here today.</source>
        <translation>Offline grenzen: hoogstens %1 per betaling; met deze pas kan hier vandaag nog %2 betaald worden.</translation>
    </message>
    <message>
        <source>Pay</source>
        <translation>Betaal</translation>
    </message>
    <message>
        <source>Pay %1</source>
        <translation>Betaal %1</translation>
    </message>
    <message>
        <source>Paying…</source>
        <translation>Bezig met betalen…</translation>
    </message>
    <message>
        <source>This amount needs the card&apos;s PIN.</source>
        <translation>Voor dit bedrag is de pincode van de pas nodig.</translation>
    </message>
</context>
<context>
    <name>ContrastButton</name>
    <message>
        <source>High contrast</source>
        <translation>Hoog contrast</translation>
    </message>
    <message>
        <source>Normal contrast</source>
        <translation>Gewoon contrast</translation>
    </message>
    <message>
        <source>Switch to high contrast</source>
        <translation>Zet hoog contrast aan</translation>
    </message>
    <message>
        <source>Switch to normal contrast</source>
        <translation>Zet gewoon contrast aan</translation>
    </message>
</context>
<context>
    <name>CounterScreen</name>
    <message>
        <source>Counter of %1</source>
        <translation>Kassa van %1</translation>
    </message>
</context>
<context>
    <name>DayPage</name>
    <message>
        <source>Back</source>
        <translation>Terug</translation>
    </message>
    <message>
        <source>End of day</source>
        <translation>Einde van de dag</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Bezig met laden…</translation>
    </message>
    <message>
        <source>No payments yet today.</source>
        <translation>Vandaag nog geen betalingen.</translation>
    </message>
    <message>
        <source>Not sent yet: %1.</source>
        <translation>Nog niet verzonden: %1.</translation>
    </message>
    <message>
        <source>Payments: %1, together %2. Refunds: %3, together %4. Total: %5.</source>
        <translation>Betalingen: %1, samen %2. Terugbetalingen: %3, samen %4. Totaal: %5.</translation>
    </message>
    <message>
        <source>Refused by the server: %1 (%2).</source>
        <translation>Geweigerd door de server: %1 (%2).</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Vandaag</translation>
    </message>
    <message>
        <source>Today, %1</source>
        <translation>Vandaag, %1</translation>
    </message>
</context>
<context>
    <name>DayRowView</name>
    <message>
        <source>%1 (earlier day)</source>
        <translation>%1 (eerdere dag)</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Terugbetalen</translation>
    </message>
    <message>
        <source>Refund the payment of %1 at %2</source>
        <translation>De betaling van %1 om %2 terugbetalen</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>Geweigerd</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Verzonden</translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation>Wacht op verzending</translation>
    </message>
</context>
<context>
    <name>DemoPicker</name>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>Choose a device to start. Each one opens in its own window and keeps in step with the demo server at %1.</source>
        <translation>Kies een apparaat om te starten. Elk apparaat opent in een eigen venster en werkt samen met de demoserver op %1.</translation>
    </message>
    <message>
        <source>Counter</source>
        <translation>Toonbank</translation>
    </message>
    <message>
        <source>Heitje demo</source>
        <translation>Heitje-demo</translation>
    </message>
    <message>
        <source>Inspector</source>
        <translation>Inspecteur</translation>
    </message>
    <message>
        <source>Klusbox desk</source>
        <translation>Klusboxbalie</translation>
    </message>
    <message>
        <source>No camera (type the card number)</source>
        <translation>Geen camera (typ het pasnummer)</translation>
    </message>
    <message>
        <source>Not running</source>
        <translation>Niet gestart</translation>
    </message>
    <message>
        <source>Photos of the demo cards</source>
        <translation>Foto&apos;s van de demopassen</translation>
    </message>
    <message>
        <source>Printable cards (PDF): %1
Card photos for the camera: %2
Every staff card&apos;s PIN in the demo: %3</source>
        <translation>Kaarten om te printen (PDF): %1
Foto&apos;s van de kaarten voor de camera: %2
De pincode van elke personeelspas in de demo: %3</translation>
    </message>
    <message>
        <source>Resident kiosk</source>
        <translation>Bewonerskiosk</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Draait</translation>
    </message>
    <message>
        <source>Start %1</source>
        <translation>Start %1</translation>
    </message>
    <message>
        <source>Stop the demo</source>
        <translation>Stop de demo</translation>
    </message>
    <message>
        <source>Webcam</source>
        <translation>Webcam</translation>
    </message>
</context>
<context>
    <name>DeskHomePage</name>
    <message>
        <source>Camera picture</source>
        <translation>Camerabeeld</translation>
    </message>
    <message>
        <source>Card or label number</source>
        <translation>Pas- of labelnummer</translation>
    </message>
    <message>
        <source>In maintenance</source>
        <translation>In onderhoud</translation>
    </message>
    <message>
        <source>Klusbox desk</source>
        <translation>Klusboxbalie</translation>
    </message>
    <message>
        <source>Look up</source>
        <translation>Opzoeken</translation>
    </message>
    <message>
        <source>No klusbox is in maintenance.</source>
        <translation>Er is geen klusbox in onderhoud.</translation>
    </message>
    <message>
        <source>No klusbox is overdue.</source>
        <translation>Er is geen klusbox te laat.</translation>
    </message>
    <message>
        <source>Or type the card number</source>
        <translation>Of typ het pasnummer</translation>
    </message>
    <message>
        <source>Overdue klusboxes</source>
        <translation>Klusboxen die te laat zijn</translation>
    </message>
    <message>
        <source>Scan a resident&apos;s card or a klusbox label</source>
        <translation>Scan de pas van een bewoner of het label van een klusbox</translation>
    </message>
    <message>
        <source>Scroll left and right</source>
        <translation>Naar links en rechts schuiven</translation>
    </message>
    <message>
        <source>Scroll up and down</source>
        <translation>Naar boven en beneden schuiven</translation>
    </message>
</context>
<context>
    <name>DeskResidentPage</name>
    <message>
        <source>Check in</source>
        <translation>Inchecken</translation>
    </message>
    <message>
        <source>Check in for %1</source>
        <translation>Inchecken voor %1</translation>
    </message>
    <message>
        <source>Chores</source>
        <translation>Klussen</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Klaar</translation>
    </message>
    <message>
        <source>Done, back to the start</source>
        <translation>Klaar, terug naar het begin</translation>
    </message>
    <message>
        <source>Klusboxes on loan</source>
        <translation>Geleende klusboxen</translation>
    </message>
    <message>
        <source>No chores.</source>
        <translation>Geen klussen.</translation>
    </message>
    <message>
        <source>No klusbox on loan.</source>
        <translation>Geen klusbox geleend.</translation>
    </message>
    <message>
        <source>Scan the klusbox label to lend it or take it back.</source>
        <translation>Scan het label van de klusbox om hem uit te lenen of terug te nemen.</translation>
    </message>
    <message>
        <source>Scroll left and right</source>
        <translation>Naar links en rechts schuiven</translation>
    </message>
    <message>
        <source>Scroll up and down</source>
        <translation>Naar boven en beneden schuiven</translation>
    </message>
    <message>
        <source>This resident has a klusbox that is overdue. A new loan needs a staff card.</source>
        <translation>Deze bewoner heeft een klusbox die te laat is. Opnieuw lenen kan alleen met een personeelspas.</translation>
    </message>
</context>
<context>
    <name>DeskScreen</name>
    <message>
        <source>%1 is available. Scan the card of the resident who borrows it.</source>
        <translation>%1 is beschikbaar. Scan de pas van de bewoner die hem leent.</translation>
    </message>
    <message>
        <source>%1 is checked in for: %2</source>
        <translation>%1 is ingecheckt voor: %2</translation>
    </message>
    <message>
        <source>%1 is in maintenance and cannot be lent.</source>
        <translation>%1 is in onderhoud en kan niet worden uitgeleend.</translation>
    </message>
    <message>
        <source>A staff card is only needed to lend to a resident with an overdue klusbox.</source>
        <translation>Een personeelspas is alleen nodig om uit te lenen aan een bewoner met een klusbox die te laat is.</translation>
    </message>
    <message>
        <source>Allowed by %1 with a staff card.</source>
        <translation>Toegestaan door %1 met een personeelspas.</translation>
    </message>
    <message>
        <source>The resident is checked in for the chore.</source>
        <translation>De bewoner is ingecheckt voor de klus.</translation>
    </message>
</context>
<context>
    <name>ExitPage</name>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Card of %1. Type the PIN, then touch Leave kiosk mode.</source>
        <translation>Pas van %1. Typ de pincode en tik dan op Kioskstand verlaten.</translation>
    </message>
    <message>
        <source>Checking the PIN…</source>
        <translation>De pincode wordt gecontroleerd…</translation>
    </message>
    <message>
        <source>Leave kiosk mode</source>
        <translation>Kioskstand verlaten</translation>
    </message>
    <message>
        <source>Leaving kiosk mode…</source>
        <translation>De kioskstand wordt verlaten…</translation>
    </message>
    <message>
        <source>Reading the card…</source>
        <translation>De pas wordt gelezen…</translation>
    </message>
    <message>
        <source>Scan a staff card, or hold it in front of the camera.</source>
        <translation>Scan een personeelspas, of houd hem voor de camera.</translation>
    </message>
    <message>
        <source>Staff: leave kiosk mode</source>
        <translation>Beheer: kioskstand verlaten</translation>
    </message>
</context>
<context>
    <name>InspectorClaimRow</name>
    <message>
        <source>%1 — reward %2</source>
        <translation>%1 — beloning %2</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>Goedkeuren</translation>
    </message>
    <message>
        <source>Approve %1 by %2</source>
        <translation>Keur %1 van %2 goed</translation>
    </message>
    <message>
        <source>Checked in: %1. Checked out: %2.</source>
        <translation>Ingecheckt: %1. Uitgecheckt: %2.</translation>
    </message>
    <message>
        <source>Done by: %1</source>
        <translation>Gedaan door: %1</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Afkeuren</translation>
    </message>
    <message>
        <source>Reject %1 by %2</source>
        <translation>Keur %1 van %2 af</translation>
    </message>
    <message>
        <source>not known</source>
        <translation>onbekend</translation>
    </message>
</context>
<context>
    <name>InspectorClaimsPage</name>
    <message>
        <source>Chores to inspect</source>
        <translation>Klussen om te keuren</translation>
    </message>
    <message>
        <source>Chores to inspect: %1</source>
        <translation>Klussen om te keuren: %1</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Bezig met laden…</translation>
    </message>
    <message>
        <source>No chores are waiting for inspection.</source>
        <translation>Er wachten geen klussen op keuring.</translation>
    </message>
    <message>
        <source>Scroll up and down</source>
        <translation>Naar boven en beneden schuiven</translation>
    </message>
</context>
<context>
    <name>InspectorDecidedPage</name>
    <message>
        <source>Decided today</source>
        <translation>Vandaag beslist</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Bezig met laden…</translation>
    </message>
    <message>
        <source>Nothing decided yet today.</source>
        <translation>Vandaag is er nog niets beslist.</translation>
    </message>
    <message>
        <source>Scroll up and down</source>
        <translation>Naar boven en beneden schuiven</translation>
    </message>
</context>
<context>
    <name>InspectorDecidedRow</name>
    <message>
        <source>Refused</source>
        <translation>Geweigerd</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Verzonden</translation>
    </message>
    <message>
        <source>Waiting to be sent</source>
        <translation>Wacht op verzending</translation>
    </message>
</context>
<context>
    <name>InspectorLockedPage</name>
    <message>
        <source>Camera picture</source>
        <translation>Camerabeeld</translation>
    </message>
    <message>
        <source>Hold your staff card in front of the camera or scan it, then enter your PIN.</source>
        <translation>Houd uw personeelspas voor de camera of scan hem. Voer daarna uw pincode in.</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>Vergrendeld</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>Verder</translation>
    </message>
    <message>
        <source>Or type the number of your staff card:</source>
        <translation>Of typ het nummer van uw personeelspas:</translation>
    </message>
</context>
<context>
    <name>InspectorPinPage</name>
    <message>
        <source>%1, enter your PIN</source>
        <translation>%1, voer uw pincode in</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Openen</translation>
    </message>
</context>
<context>
    <name>InspectorRefusedPage</name>
    <message>
        <source>Loading…</source>
        <translation>Bezig met laden…</translation>
    </message>
    <message>
        <source>Refused by the server</source>
        <translation>Geweigerd door de server</translation>
    </message>
    <message>
        <source>Scroll up and down</source>
        <translation>Naar boven en beneden schuiven</translation>
    </message>
    <message>
        <source>The server has refused nothing of this device.</source>
        <translation>De server heeft niets van dit apparaat geweigerd.</translation>
    </message>
</context>
<context>
    <name>InspectorRejectPage</name>
    <message>
        <source>Another reason (type it below)</source>
        <translation>Een andere reden (typ hem hieronder)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Afkeuren</translation>
    </message>
    <message>
        <source>Scroll up and down</source>
        <translation>Naar boven en beneden schuiven</translation>
    </message>
    <message>
        <source>The reason (at most %1 characters):</source>
        <translation>De reden (hooguit %1 tekens):</translation>
    </message>
    <message>
        <source>Why is it rejected?</source>
        <translation>Waarom wordt de klus afgekeurd?</translation>
    </message>
</context>
<context>
    <name>InspectorScreen</name>
    <message>
        <source>Decided today</source>
        <translation>Vandaag beslist</translation>
    </message>
    <message>
        <source>Inspection of chores</source>
        <translation>Keuring van klussen</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Vergrendelen</translation>
    </message>
    <message>
        <source>Lock the screen</source>
        <translation>Vergrendel het scherm</translation>
    </message>
    <message>
        <source>Refused by the server</source>
        <translation>Geweigerd door de server</translation>
    </message>
    <message>
        <source>Refused by the server (%1)</source>
        <translation>Geweigerd door de server (%1)</translation>
    </message>
    <message>
        <source>Signed in: %1</source>
        <translation>Aangemeld: %1</translation>
    </message>
    <message>
        <source>To inspect</source>
        <translation>Te keuren</translation>
    </message>
</context>
<context>
    <name>LanguageButton</name>
    <message>
        <source>Switch to Dutch</source>
        <translation>Kies Nederlands</translation>
    </message>
    <message>
        <source>Switch to English</source>
        <translation>Kies Engels</translation>
    </message>
</context>
<context>
    <name>LendPage</name>
    <message>
        <source>%1 still has an overdue klusbox: %2. Lending needs a staff card.</source>
        <translation>%1 heeft nog een klusbox die te laat is: %2. Uitlenen kan alleen met een personeelspas.</translation>
    </message>
    <message>
        <source>Also check in for: %1</source>
        <translation>Ook inchecken voor: %1</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Due back on %1</source>
        <translation>Terug op %1</translation>
    </message>
    <message>
        <source>For %1</source>
        <translation>Voor %1</translation>
    </message>
    <message>
        <source>Lend</source>
        <translation>Uitlenen</translation>
    </message>
    <message>
        <source>Lend anyway with a staff card</source>
        <translation>Toch uitlenen met een personeelspas</translation>
    </message>
    <message>
        <source>Lending…</source>
        <translation>Bezig met uitlenen…</translation>
    </message>
    <message>
        <source>One day earlier</source>
        <translation>Een dag eerder</translation>
    </message>
    <message>
        <source>One day later</source>
        <translation>Een dag later</translation>
    </message>
    <message>
        <source>Staff card</source>
        <translation>Personeelspas</translation>
    </message>
    <message>
        <source>Tick what you hand out:</source>
        <translation>Vink aan wat u meegeeft:</translation>
    </message>
</context>
<context>
    <name>LiftPinPage</name>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Lift the block</source>
        <translation>Blokkade opheffen</translation>
    </message>
    <message>
        <source>Lifting the block…</source>
        <translation>Blokkade opheffen…</translation>
    </message>
    <message>
        <source>Staff PIN</source>
        <translation>Pincode medewerker</translation>
    </message>
    <message>
        <source>The staff member types their own PIN, then touches Lift the block.</source>
        <translation>De medewerker tikt de eigen pincode in. Druk dan op Blokkade opheffen.</translation>
    </message>
</context>
<context>
    <name>LiftScanPage</name>
    <message>
        <source>A staff member of the desk or kiosk staff scans their staff card. The block is lifted on this counter only.</source>
        <translation>Een baliemedewerker of kioskbeheerder scant de eigen personeelspas. De blokkade wordt alleen op deze kassa opgeheven.</translation>
    </message>
    <message>
        <source>Camera picture</source>
        <translation>Camerabeeld</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Lift the PIN block</source>
        <translation>Blokkade van de pincode opheffen</translation>
    </message>
</context>
<context>
    <name>LimitsLabel</name>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 uur %2 min</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 min</translation>
    </message>
    <message>
        <source>No offline limits on this counter: it has no data from the server.</source>
        <translation>Geen offline grenzen op deze kassa: er zijn geen gegevens van de server.</translation>
    </message>
    <message>
        <source>Offline limits: at most %1 a payment and %2 a card a day; payments not yet confirmed by the server: %3 of at most %4. Server data is %5 old.</source>
        <translation>Offline grenzen: hoogstens %1 per betaling en %2 per pas per dag; betalingen die de server nog niet bevestigd heeft: %3 van hoogstens %4. Gegevens van de server zijn %5 oud.</translation>
    </message>
    <message>
        <source>Offline.</source>
        <translation>Geen verbinding.</translation>
    </message>
</context>
<context>
    <name>NoScreenPage</name>
    <message>
        <source>It cannot do that work as it was set up: its enrolment does not say where it belongs. Scanning a card here does nothing. Ask the municipality to enrol this device again.</source>
        <translation>Zo ingesteld kan het dat werk niet doen: bij de aanmelding staat niet waar het hoort. Een kaart scannen doet hier niets. Vraag de gemeente dit apparaat opnieuw aan te melden.</translation>
    </message>
    <message>
        <source>This device is a %1.</source>
        <translation>Dit apparaat is een %1.</translation>
    </message>
</context>
<context>
    <name>NoticeBanner</name>
    <message>
        <source>This device started with its defaults for:</source>
        <translation>Dit apparaat is gestart met de standaardwaarde voor:</translation>
    </message>
</context>
<context>
    <name>OverridePage</name>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Lend</source>
        <translation>Uitlenen</translation>
    </message>
    <message>
        <source>Lend to %1 with a staff card</source>
        <translation>Uitlenen aan %1 met een personeelspas</translation>
    </message>
    <message>
        <source>Lending…</source>
        <translation>Bezig met uitlenen…</translation>
    </message>
    <message>
        <source>Let the staff member type their PIN, then touch Lend.</source>
        <translation>Laat de medewerker de pincode typen en tik dan op Uitlenen.</translation>
    </message>
    <message>
        <source>Scan the staff card of the staff member who allows it.</source>
        <translation>Scan de personeelspas van de medewerker die het toestaat.</translation>
    </message>
</context>
<context>
    <name>PinPad</name>
    <message>
        <source>Delete the last digit</source>
        <translation>Laatste cijfer weghalen</translation>
    </message>
    <message>
        <source>PIN: %1 of 4 to 6 digits</source>
        <translation>Pincode: %1 van 4 tot 6 cijfers</translation>
    </message>
</context>
<context>
    <name>PinPage</name>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Let the card holder type their PIN, then touch Pay.</source>
        <translation>Laat de klant de pincode intikken. Druk dan op Betaal.</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>Pincode</translation>
    </message>
    <message>
        <source>Pay</source>
        <translation>Betaal</translation>
    </message>
    <message>
        <source>Paying…</source>
        <translation>Bezig met betalen…</translation>
    </message>
</context>
<context>
    <name>RefundPage</name>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Payment of %1 at %2. At most %3 can be refunded.</source>
        <translation>Betaling van %1 om %2. U kunt hoogstens %3 terugbetalen.</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>Terugbetalen</translation>
    </message>
    <message>
        <source>Refund %1</source>
        <translation>%1 terugbetalen</translation>
    </message>
    <message>
        <source>Refunding…</source>
        <translation>Bezig met terugbetalen…</translation>
    </message>
    <message>
        <source>That is more than is left of the payment (%1).</source>
        <translation>Dat is meer dan er over is van de betaling (%1).</translation>
    </message>
</context>
<context>
    <name>ResidentKioskScreen</name>
    <message>
        <source>Camera picture</source>
        <translation>Camerabeeld</translation>
    </message>
    <message>
        <source>Hold your card in front of the camera</source>
        <translation>Houd je pas voor de camera</translation>
    </message>
    <message>
        <source>Looking up your card…</source>
        <translation>Je pas wordt opgezocht…</translation>
    </message>
    <message>
        <source>The camera is starting…</source>
        <translation>De camera gaat aan…</translation>
    </message>
    <message>
        <source>There is no camera here. Type your card number.</source>
        <translation>Hier is geen camera. Typ je pasnummer in.</translation>
    </message>
    <message>
        <source>Type your card number</source>
        <translation>Typ je pasnummer</translation>
    </message>
    <message>
        <source>Type your card number on the screen</source>
        <translation>Typ je pasnummer op het scherm</translation>
    </message>
    <message>
        <source>You are checked in for: %1. Good luck!</source>
        <translation>Je bent ingecheckt voor: %1. Succes!</translation>
    </message>
    <message>
        <source>You are checked out for: %1. Thank you!</source>
        <translation>Je bent uitgecheckt voor: %1. Bedankt!</translation>
    </message>
    <message>
        <source>You are signed up for: %1</source>
        <translation>Je bent aangemeld voor: %1</translation>
    </message>
    <message>
        <source>Your balance slip has been printed.</source>
        <translation>Je saldo-overzicht is geprint.</translation>
    </message>
</context>
<context>
    <name>ResidentPage</name>
    <message>
        <source>Check in</source>
        <translation>Inchecken</translation>
    </message>
    <message>
        <source>Check in for %1</source>
        <translation>Inchecken voor %1</translation>
    </message>
    <message>
        <source>Check out</source>
        <translation>Uitchecken</translation>
    </message>
    <message>
        <source>Check out of %1</source>
        <translation>Uitchecken voor %1</translation>
    </message>
    <message>
        <source>Chores you can sign up for</source>
        <translation>Klussen waarvoor je je kunt aanmelden</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Klaar</translation>
    </message>
    <message>
        <source>Done, back to the start</source>
        <translation>Klaar, terug naar het begin</translation>
    </message>
    <message>
        <source>Latest transactions</source>
        <translation>Laatste boekingen</translation>
    </message>
    <message>
        <source>No transactions yet.</source>
        <translation>Nog geen boekingen.</translation>
    </message>
    <message>
        <source>Print balance slip</source>
        <translation>Saldo-overzicht printen</translation>
    </message>
    <message>
        <source>Read aloud</source>
        <translation>Lees voor</translation>
    </message>
    <message>
        <source>Read aloud is not available here</source>
        <translation>Voorlezen kan hier niet</translation>
    </message>
    <message>
        <source>Read aloud is not available on this kiosk</source>
        <translation>Voorlezen kan niet op deze kiosk</translation>
    </message>
    <message>
        <source>Read aloud: your balance, transactions and open chores</source>
        <translation>Lees voor: je saldo, boekingen en open klussen</translation>
    </message>
    <message>
        <source>Scroll left and right</source>
        <translation>Naar links en rechts schuiven</translation>
    </message>
    <message>
        <source>Scroll up and down</source>
        <translation>Naar boven en beneden schuiven</translation>
    </message>
    <message>
        <source>Sign up</source>
        <translation>Aanmelden</translation>
    </message>
    <message>
        <source>Sign up for %1</source>
        <translation>Aanmelden voor %1</translation>
    </message>
    <message>
        <source>There are no open chores right now.</source>
        <translation>Er zijn nu geen open klussen.</translation>
    </message>
    <message>
        <source>Tools you have borrowed</source>
        <translation>Gereedschap dat je hebt geleend</translation>
    </message>
    <message>
        <source>You have no chores yet.</source>
        <translation>Je hebt nog geen klussen.</translation>
    </message>
    <message>
        <source>You have not borrowed anything.</source>
        <translation>Je hebt niets geleend.</translation>
    </message>
    <message>
        <source>Your balance</source>
        <translation>Je saldo</translation>
    </message>
    <message>
        <source>Your balance is below zero. You can pay again when it is above zero.</source>
        <translation>Je saldo is lager dan nul. Je kunt weer betalen als het hoger is dan nul.</translation>
    </message>
    <message>
        <source>Your chores</source>
        <translation>Jouw klussen</translation>
    </message>
</context>
<context>
    <name>ResultPage</name>
    <message>
        <source>%1 back on the card. Balance now: %2.</source>
        <translation>%1 terug op de pas. Saldo nu: %2.</translation>
    </message>
    <message>
        <source>%1 paid. Left on the card: %2.</source>
        <translation>%1 betaald. Over op de pas: %2.</translation>
    </message>
    <message>
        <source>Block lifted</source>
        <translation>Blokkade opgeheven</translation>
    </message>
    <message>
        <source>Next customer</source>
        <translation>Volgende klant</translation>
    </message>
    <message>
        <source>Not paid</source>
        <translation>Niet betaald</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>Betaald</translation>
    </message>
    <message>
        <source>Printing the receipt…</source>
        <translation>De bon wordt geprint…</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>Terugbetaald</translation>
    </message>
    <message>
        <source>Scan the card again</source>
        <translation>Scan de pas opnieuw</translation>
    </message>
    <message>
        <source>Staff: lift the block</source>
        <translation>Medewerker: blokkade opheffen</translation>
    </message>
    <message>
        <source>The card can be used again. The card holder types their PIN again at the next payment.</source>
        <translation>De pas kan weer gebruikt worden. Bij de volgende betaling tikt de klant de pincode opnieuw in.</translation>
    </message>
    <message>
        <source>The receipt is printed.</source>
        <translation>De bon is geprint.</translation>
    </message>
    <message>
        <source>Try another card</source>
        <translation>Andere pas proberen</translation>
    </message>
</context>
<context>
    <name>ReturnPage</name>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Condition of the klusbox:</source>
        <translation>Staat van de klusbox:</translation>
    </message>
    <message>
        <source>Damaged, needs repair</source>
        <translation>Kapot, moet gerepareerd</translation>
    </message>
    <message>
        <source>Days overdue: %1</source>
        <translation>Dagen te laat: %1</translation>
    </message>
    <message>
        <source>Good</source>
        <translation>Goed</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Opmerking</translation>
    </message>
    <message>
        <source>Note: what is missing or broken (optional)</source>
        <translation>Opmerking: wat ontbreekt of kapot is (mag leeg blijven)</translation>
    </message>
    <message>
        <source>Take back</source>
        <translation>Terugnemen</translation>
    </message>
    <message>
        <source>Taking back…</source>
        <translation>Bezig met terugnemen…</translation>
    </message>
    <message>
        <source>Tick what came back:</source>
        <translation>Vink aan wat terug is:</translation>
    </message>
    <message>
        <source>Worn</source>
        <translation>Versleten</translation>
    </message>
</context>
<context>
    <name>ScanPage</name>
    <message>
        <source>Amount: %1</source>
        <translation>Bedrag: %1</translation>
    </message>
    <message>
        <source>Camera picture</source>
        <translation>Camerabeeld</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Checking the card…</source>
        <translation>De pas wordt gecontroleerd…</translation>
    </message>
    <message>
        <source>Hold the card in front of the camera, or scan it with the hand scanner.</source>
        <translation>Houd de pas voor de camera, of scan hem met de handscanner.</translation>
    </message>
    <message>
        <source>Or type the card number:</source>
        <translation>Of tik het pasnummer in:</translation>
    </message>
    <message>
        <source>Scan the card</source>
        <translation>Scan de pas</translation>
    </message>
    <message>
        <source>Scan the card with the hand scanner.</source>
        <translation>Scan de pas met de handscanner.</translation>
    </message>
    <message>
        <source>Use this number</source>
        <translation>Dit nummer gebruiken</translation>
    </message>
</context>
<context>
    <name>SerialKeypad</name>
    <message>
        <source>Cancel</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Cancel, back to the start</source>
        <translation>Stoppen, terug naar het begin</translation>
    </message>
    <message>
        <source>Card number typed so far</source>
        <translation>Het pasnummer tot nu toe</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Wissen</translation>
    </message>
    <message>
        <source>Erase the last character</source>
        <translation>Het laatste teken wissen</translation>
    </message>
    <message>
        <source>Look up this card number</source>
        <translation>Dit pasnummer opzoeken</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <source>Type the number printed under the code on your card</source>
        <translation>Typ het nummer dat onder de code op je pas staat</translation>
    </message>
</context>
<context>
    <name>Shell</name>
    <message>
        <source>Heitje — %1</source>
        <translation>Heitje — %1</translation>
    </message>
</context>
<context>
    <name>StaffButton</name>
    <message>
        <source>Staff</source>
        <translation>Beheer</translation>
    </message>
    <message>
        <source>Staff: leave kiosk mode</source>
        <translation>Beheer: kioskstand verlaten</translation>
    </message>
</context>
<context>
    <name>StartupError</name>
    <message>
        <source>Heitje — could not start</source>
        <translation>Heitje — kon niet starten</translation>
    </message>
    <message>
        <source>This device could not start</source>
        <translation>Dit apparaat kon niet starten</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message numerus="yes">
        <source>%n entries waiting to be sent</source>
        <translation>
            <numerusform>%n boeking wacht om verstuurd te worden</numerusform>
            <numerusform>%n boekingen wachten om verstuurd te worden</numerusform>
        </translation>
    </message>
    <message>
        <source>Demo without a server</source>
        <translation>Demo zonder server</translation>
    </message>
    <message>
        <source>Last sync %1</source>
        <translation>Laatst bijgewerkt om %1</translation>
    </message>
    <message>
        <source>No data from the server yet</source>
        <translation>Nog geen gegevens van de server</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>Nog niet bijgewerkt</translation>
    </message>
    <message>
        <source>Nothing waiting to be sent</source>
        <translation>Alles is verstuurd</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>Geen verbinding</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>Verbonden</translation>
    </message>
    <message numerus="yes">
        <source>Server data from %n days ago</source>
        <translation>
            <numerusform>Gegevens van de server van %n dag geleden</numerusform>
            <numerusform>Gegevens van de server van %n dagen geleden</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Server data from %n hours ago</source>
        <translation>
            <numerusform>Gegevens van de server van %n uur geleden</numerusform>
            <numerusform>Gegevens van de server van %n uur geleden</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Server data from %n minutes ago</source>
        <translation>
            <numerusform>Gegevens van de server van %n minuut geleden</numerusform>
            <numerusform>Gegevens van de server van %n minuten geleden</numerusform>
        </translation>
    </message>
    <message>
        <source>Server data is up to date</source>
        <translation>Gegevens van de server zijn bijgewerkt</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>Bezig met starten…</translation>
    </message>
</context>
<context>
    <name>SummaryPage</name>
    <message>
        <source>Back</source>
        <translation>Terug</translation>
    </message>
    <message>
        <source>End of day</source>
        <translation>Einde van de dag</translation>
    </message>
</context>
</TS>
