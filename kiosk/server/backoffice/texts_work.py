"""The texts of the work pages — chores, inspection, review, money, settlements, reports —
key -> (Dutch, English), plain language (B1). texts.py adds them to the one table."""

from __future__ import annotations

WORK: dict[str, tuple[str, str]] = {
    # navigation and home tiles
    "nav.chores": ("Klussen", "Chores"),
    "nav.chores.about": (
        "Klussen bekijken en nieuwe klussen op de kiosken zetten.",
        "See chores and put new chores on the kiosks.",
    ),
    "nav.inspection": ("Keuren", "Inspection"),
    "nav.inspection.about": (
        "Klussen die klaar zijn goedkeuren of afkeuren.",
        "Approve or reject chores that are done.",
    ),
    "nav.inspectors": ("Inspecteurs", "Inspectors"),
    "nav.inspectors.about": (
        "Kiezen in welke buurten elke inspecteur keurt.",
        "Choose the neighbourhoods each inspector works in.",
    ),
    "nav.review": ("Te beoordelen", "Review"),
    "nav.review.about": (
        "Geweigerde boekingen en betalingen boven een grens beoordelen.",
        "Decide on refused entries and payments over a limit.",
    ),
    "nav.money": ("Geld", "Money"),
    "nav.money.about": (
        "Heitjes uitgegeven, besteed, uitbetaald en in omloop; de verdienplafonds.",
        "Heitjes issued, spent, paid out and in circulation; the earning caps.",
    ),
    "nav.settlements": ("Afrekeningen", "Settlements"),
    "nav.settlements.about": (
        "Winkels uitbetalen in euro's, met een betaalbestand voor de bank.",
        "Pay the shops in euros, with a payment file for the bank.",
    ),
    "nav.reports": ("Rapportages", "Reports"),
    "nav.reports.about": (
        "Deelname per buurt en per maand, voor de gemeenteraad.",
        "Participation per neighbourhood and month, for the council.",
    ),
    "nav.export": ("Export voor onderzoek", "Research export"),
    "nav.export.about": (
        "Cijfers per buurt zonder namen en zonder kleine aantallen downloaden.",
        "Download figures per neighbourhood without names and without small counts.",
    ),
    # shared
    "work.problems": (
        "Het formulier is nog niet goed. Verbeter deze velden:",
        "The form is not right yet. Please correct these fields:",
    ),
    "work.first_month": ("Van maand", "From month"),
    "work.last_month": ("Tot en met maand", "Up to and including month"),
    "work.show": ("Tonen", "Show"),
    "work.no_end": ("geen einde", "no end"),
    # chores
    "chores.heading": ("Klussen", "Chores"),
    "chores.intro": (
        "Alle klussen, de nieuwste eerst. Een klus staat op de kiosken van haar buurt zodra "
        "hij is geplaatst.",
        "Every chore, newest first. A chore is on the kiosks of its neighbourhood as soon as "
        "it is published.",
    ),
    "chores.new": ("Nieuwe klus", "New chore"),
    "chores.new.intro": (
        "Na het plaatsen zien de kiosken, balies en inspecteurs van de buurt de klus bij hun "
        "volgende verbinding.",
        "Once published, the kiosks, desks and inspectors of the neighbourhood get the chore "
        "the next time they connect.",
    ),
    "chores.search": ("Zoek een klus", "Search for a chore"),
    "chores.col.title": ("Klus", "Chore"),
    "chores.col.places": ("Plaatsen", "Places"),
    "chores.col.signed_up": ("Aanmeldingen", "Sign-ups"),
    "chores.col.window": ("Wanneer", "When"),
    "chores.col.state": ("Stand", "State"),
    "chores.state.upcoming": ("Nog niet begonnen", "Not started yet"),
    "chores.state.open": ("Open", "Open"),
    "chores.state.ended": ("Afgelopen", "Ended"),
    "chores.field.title": ("Naam in het Nederlands", "Name in Dutch"),
    "chores.field.title.hint": (
        "Deze naam zien bewoners op de kiosk, bijvoorbeeld: Plein vegen.",
        "Residents see this name on the kiosk, for example: Plein vegen.",
    ),
    "chores.field.title_en": ("Naam in het Engels", "Name in English"),
    "chores.field.neighbourhood": ("Buurt", "Neighbourhood"),
    "chores.field.reward": ("Beloning", "Reward"),
    "chores.field.reward.hint": (
        "In heitjes, met centen als dat nodig is, bijvoorbeeld 15 of 12,50.",
        "In heitjes, with cents if needed, for example 15 or 12.50.",
    ),
    "chores.field.capacity": ("Aantal plaatsen", "Number of places"),
    "chores.field.capacity.hint": (
        "Zo vaak kan de klus worden goedgekeurd (1 tot 10.000).",
        "This many times the chore can be approved (1 to 10,000).",
    ),
    "chores.field.starts_at": ("Begint op", "Starts at"),
    "chores.field.ends_at": ("Eindigt op", "Ends at"),
    "chores.field.klusbox_kind": ("Soort klusbox", "Kind of klusbox"),
    "chores.field.klusbox_kind.hint": (
        "Welke gereedschapskist bewoners voor deze klus kunnen lenen.",
        "Which tool kit residents can borrow for this chore.",
    ),
    "chores.no_klusbox": ("Geen klusbox nodig", "No klusbox needed"),
    "chores.publish": ("Klus plaatsen", "Publish chore"),
    "chores.back": ("Terug naar de klussen", "Back to the chores"),
    "chores.places_taken": (
        "{taken} van {capacity} goedgekeurd",
        "{taken} of {capacity} approved",
    ),
    "chores.code": ("Code", "Code"),
    "chores.close": ("Klus nu stoppen", "Close the chore now"),
    "chores.close.confirm": (
        "Deze klus nu stoppen? Bewoners kunnen zich dan niet meer aanmelden.",
        "Close this chore now? Residents can no longer sign up for it.",
    ),
    "chores.claims": ("Aanmeldingen", "Sign-ups"),
    "chores.claims.intro": (
        "Wie zich heeft aangemeld, wanneer zij in- en uitcheckten, en wat er is besloten.",
        "Who signed up, when they checked in and out, and what was decided.",
    ),
    "chores.claims.search": ("Zoek een aanmelding", "Search for a sign-up"),
    # claims
    "claim.resident": ("Bewoner", "Resident"),
    "claim.status": ("Stand", "State"),
    "claim.signed_up_at": ("Aangemeld", "Signed up"),
    "claim.check_in": ("Ingecheckt", "Checked in"),
    "claim.check_out": ("Uitgecheckt", "Checked out"),
    "claim.worked": ("Gewerkt", "Worked"),
    "claim.decided": ("Besluit", "Decision"),
    "claim.earned": ("Beloond", "Rewarded"),
    "claim.hours": ("{h} uur", "{h} hours"),
    "claim.status.signed_up": ("Aangemeld", "Signed up"),
    "claim.status.done": ("Klaar, wacht op keuring", "Done, waiting for inspection"),
    "claim.status.approved": ("Goedgekeurd", "Approved"),
    "claim.status.rejected": ("Afgekeurd", "Rejected"),
    "claim.status.rewarded": ("Goedgekeurd en beloond", "Approved and rewarded"),
    # inspection
    "inspection.heading": ("Keuren", "Inspection"),
    "inspection.intro": (
        "Klussen die klaar zijn, de oudste eerst. Bij goedkeuren krijgt de bewoner meteen "
        "precies de beloning van de klus.",
        "Chores that are done, oldest first. On approval the resident gets exactly the "
        "chore's reward at once.",
    ),
    "inspection.all_areas": (
        "U ziet de klussen van alle buurten.",
        "You see the chores of every neighbourhood.",
    ),
    "inspection.your_areas": ("Uw buurten: {names}.", "Your neighbourhoods: {names}."),
    "inspection.no_areas": (
        "Er zijn nog geen buurten aan u gekoppeld. Vraag een beheerder om dat te doen.",
        "No neighbourhoods have been given to you yet. Ask an administrator to do that.",
    ),
    "inspection.search": ("Zoek een klus of bewoner", "Search for a chore or resident"),
    "inspection.approve": ("Goedkeuren", "Approve"),
    "inspection.reject": ("Afkeuren", "Reject"),
    "inspection.reject.heading": ("Klus afkeuren", "Reject a chore"),
    "inspection.reason": ("Reden", "Reason"),
    "inspection.note": ("Toelichting", "Note"),
    "inspection.note.hint": (
        "Verplicht bij 'Andere reden'. De bewoner kan dit later horen.",
        "Required for 'Another reason'. The resident may hear this later.",
    ),
    "inspection.reason.not_done": ("De klus is niet gedaan", "The chore was not done"),
    "inspection.reason.not_finished": ("De klus is niet af", "The chore is not finished"),
    "inspection.reason.poor_quality": (
        "De klus is niet goed gedaan",
        "The chore was not done well",
    ),
    "inspection.reason.no_one_there": (
        "Er was niemand bij de klus",
        "Nobody was there for the chore",
    ),
    "inspection.reason.duplicate": ("Dubbele aanmelding", "A duplicate sign-up"),
    "inspection.reason.other": ("Andere reden", "Another reason"),
    # inspectors and their neighbourhoods
    "inspectors.heading": ("Inspecteurs en hun buurten", "Inspectors and their neighbourhoods"),
    "inspectors.intro": (
        "Een inspecteur ziet bij Keuren alleen de klussen van de buurten die hier zijn gekozen.",
        "Under Inspection an inspector sees only the chores of the neighbourhoods chosen here.",
    ),
    "inspectors.areas": ("Buurten", "Neighbourhoods"),
    "inspectors.none": ("nog geen", "none yet"),
    "inspectors.change": ("Buurten kiezen", "Choose neighbourhoods"),
    "inspectors.edit": ("Buurten van {name}", "Neighbourhoods of {name}"),
    "inspectors.edit.intro": (
        "Vink de buurten aan waar deze inspecteur klussen keurt.",
        "Tick the neighbourhoods where this inspector inspects chores.",
    ),
    "inspectors.no_neighbourhoods": (
        "Er zijn nog geen buurten.",
        "There are no neighbourhoods yet.",
    ),
    "inspectors.save": ("Opslaan", "Save"),
    # review
    "review.heading": ("Te beoordelen", "Review"),
    "review.intro": (
        "Boekingen die de server weigerde, en betalingen zonder verbinding die boven een grens "
        "gingen. Elk besluit wordt een nieuwe boeking van de gemeente, met uw reden.",
        "Entries the server refused, and offline payments that went over a limit. Every "
        "decision becomes a new entry of the municipality, with your reason.",
    ),
    "review.which": ("Welke", "Which"),
    "review.show.open": ("Open", "Open"),
    "review.show.decided": ("Besloten", "Decided"),
    "review.search": ("Zoek in de lijst", "Search the list"),
    "review.number": ("Nummer", "Number"),
    "review.received": ("Ontvangen", "Received"),
    "review.device": ("Apparaat", "Device"),
    "review.what": ("Wat", "What"),
    "review.rule": ("Regel", "Rule"),
    "review.amount": ("Bedrag", "Amount"),
    "review.effect": ("Gevolg", "Effect"),
    "review.status": ("Stand", "State"),
    "review.item": ("Te beoordelen: nummer {n}", "Review item {n}"),
    "review.back": ("Terug naar de lijst", "Back to the list"),
    "review.effect.refused": ("geweigerd", "refused"),
    "review.effect.honoured": ("doorgegaan", "honoured"),
    "review.effect.refused.about": (
        "De boeking is bewaard, maar heeft niets veranderd.",
        "The entry was kept, but changed nothing.",
    ),
    "review.effect.honoured.about": (
        "De betaling is doorgegaan; de winkel wordt pas uitbetaald na uw besluit.",
        "The payment went through; the shop is paid only after your decision.",
    ),
    "review.seq": ("boeking {n}", "entry {n}"),
    "review.resident": ("Bewoner", "Resident"),
    "review.merchant": ("Winkel", "Shop"),
    "review.signed_at": ("Gemaakt op het apparaat", "Made on the device"),
    "review.detail": ("Technische details", "Technical details"),
    "review.refs": ("Gegevens van de boeking", "Data of the entry"),
    "review.decide": ("Besluiten", "Decide"),
    "review.decision": ("Besluit", "Decision"),
    "review.decision.approved": ("Goedkeuren", "Approve"),
    "review.decision.approved.about": (
        "De winkel houdt het geld; het kan worden uitbetaald.",
        "The shop keeps the money; it can be paid out.",
    ),
    "review.decision.reversed": ("Terugdraaien", "Reverse"),
    "review.decision.reversed.about": (
        "Het bedrag gaat van de kas van de winkel terug naar de bewoner.",
        "The amount goes back from the shop's till to the resident.",
    ),
    "review.decision.confirmed": ("Weigering laten staan", "Confirm the refusal"),
    "review.decision.confirmed.about": (
        "Er verandert niets aan geld of klussen.",
        "Nothing changes in money or chores.",
    ),
    "review.decision.applied": ("Toch laten doorgaan", "Apply it after all"),
    "review.decision.applied.about": (
        "De boeking gaat alsnog door, met dezelfde regels als altijd.",
        "The entry takes effect after all, under the usual rules.",
    ),
    "review.reason": ("Reden van uw besluit", "Reason for your decision"),
    "review.reason.hint": (
        "Verplicht. De reden komt in de boeking en in het logboek.",
        "Required. The reason goes into the entry and the audit log.",
    ),
    "review.resolve": ("Besluit vastleggen", "Record the decision"),
    "review.status.open": ("Open", "Open"),
    "review.status.approved": ("Goedgekeurd", "Approved"),
    "review.status.reversed": ("Teruggedraaid", "Reversed"),
    "review.status.confirmed": ("Weigering bevestigd", "Refusal confirmed"),
    "review.status.applied": ("Toch doorgegaan", "Applied after all"),
    # money
    "money.heading": ("Geld", "Money"),
    "money.intro": (
        "Alle bedragen in heitjes. In omloop is wat in portemonnees en kassa's staat: "
        "uitgegeven en nog niet uitbetaald of vervallen.",
        "Every amount in heitjes. In circulation is what wallets and tills hold: issued and "
        "not yet paid out or expired.",
    ),
    "money.download": ("Download als CSV", "Download as CSV"),
    "money.caps_link": ("Verdienplafonds per bewoner", "Earning caps per resident"),
    "money.totals": ("Totaal van {first} tot en met {last}", "Total from {first} to {last}"),
    "money.flow.issued": ("Uitgegeven", "Issued"),
    "money.flow.spent": ("Besteed", "Spent"),
    "money.flow.refunded": ("Terugbetaald", "Refunded"),
    "money.flow.settled": ("Uitbetaald aan winkels", "Paid to shops"),
    "money.flow.expired": ("Vervallen", "Expired"),
    "money.flow.other": ("Correcties", "Corrections"),
    "money.flow.circulation": ("In omloop", "In circulation"),
    "money.over_time": ("Per maand", "Per month"),
    "money.months": ("De stad per maand", "The city per month"),
    "money.month": ("Maand", "Month"),
    "money.per_neighbourhood": ("Per buurt", "Per neighbourhood"),
    "money.neighbourhoods": (
        "Per buurt, van {first} tot en met {last}; in omloop aan het eind",
        "Per neighbourhood, from {first} to {last}; in circulation at the end",
    ),
    "money.chart.flows": (
        "Uitgegeven, besteed en uitbetaald per maand",
        "Issued, spent and paid out per month",
    ),
    "money.chart.flows.desc": (
        "Staafdiagram; de cijfers staan ook in de tabel hieronder.",
        "Bar chart; the figures are also in the table below.",
    ),
    "money.chart.circulation": (
        "In omloop aan het eind van elke maand",
        "In circulation at the end of each month",
    ),
    "money.chart.circulation.desc": (
        "Lijndiagram; de cijfers staan ook in de tabel hieronder.",
        "Line chart; the figures are also in the table below.",
    ),
    "money.chart.neighbourhoods": (
        "Uitgegeven, besteed en in omloop per buurt",
        "Issued, spent and in circulation per neighbourhood",
    ),
    "money.chart.neighbourhoods.desc": (
        "Staafdiagram; de cijfers staan ook in de tabel hieronder.",
        "Bar chart; the figures are also in the table below.",
    ),
    # earning caps
    "caps.heading": ("Verdienplafonds", "Earning caps"),
    "caps.intro": (
        "Een bewoner mag per maand hoogstens {month} en per jaar hoogstens {year} heitjes "
        "verdienen (vrijwilligersvergoeding). Vanaf {warn} % krijgt een bewoner een "
        "waarschuwing.",
        "A resident may earn at most {month} heitjes a month and {year} a year (volunteer "
        "allowance). From {warn} % a resident gets a warning.",
    ),
    "caps.back": ("Terug naar Geld", "Back to Money"),
    "caps.download": ("Download als CSV", "Download as CSV"),
    "caps.search": ("Zoek een bewoner", "Search for a resident"),
    "caps.resident": ("Bewoner", "Resident"),
    "caps.month": ("Deze maand", "This month"),
    "caps.year": ("Dit jaar", "This year"),
    "caps.level": ("Stand", "State"),
    "caps.of": ("{earned} van {cap} ({percent} %)", "{earned} of {cap} ({percent} %)"),
    "caps.level.ok": ("Onder de grens", "Below the limit"),
    "caps.level.warn": ("Bijna aan het plafond", "Close to the cap"),
    "caps.level.full": ("Plafond bereikt", "Cap reached"),
    "caps.found": ("Gevonden bewoners", "Residents found"),
    "caps.near": ("Bewoners vanaf {warn} %", "Residents from {warn} %"),
    "caps.near.caption": ("Bewoners dicht bij een plafond", "Residents close to a cap"),
    "caps.more": (
        "En nog {n} bewoners: zie de CSV.",
        "And {n} more residents: see the CSV.",
    ),
    "caps.none": (
        "Geen enkele bewoner zit op {warn} % of meer.",
        "No resident is at {warn} % or more.",
    ),
    # settlements
    "settle.heading": ("Afrekeningen", "Settlements"),
    "settle.intro": (
        "De gemeente betaalt de winkels in euro's voor de heitjes die zij aannamen. Eén "
        "medewerker van Financiën maakt een afrekening, een ander keurt haar goed.",
        "The municipality pays the shops in euros for the heitjes they took. One member of "
        "the finance team prepares a settlement, another approves it.",
    ),
    "settle.prepare": ("Nieuwe afrekening", "New settlement"),
    "settle.prepare.intro": (
        "Kies de periode. Betalingen die nog open staan bij Te beoordelen, gaan mee in een "
        "latere afrekening.",
        "Choose the period. Payments still open under Review go into a later settlement.",
    ),
    "settle.first": ("Eerste dag", "First day"),
    "settle.last": ("Laatste dag", "Last day"),
    "settle.last.hint": (
        "De periode moet voorbij zijn: de laatste dag is uiterlijk gisteren.",
        "The period must be over: the last day is yesterday at the latest.",
    ),
    "settle.prepare.button": ("Afrekening maken", "Prepare settlement"),
    "settle.all": ("Alle afrekeningen", "All settlements"),
    "settle.number": ("Nummer", "Number"),
    "settle.period": ("Periode", "Period"),
    "settle.status": ("Stand", "State"),
    "settle.prepared_by": ("Gemaakt door", "Prepared by"),
    "settle.approved_by": ("Goedgekeurd door", "Approved by"),
    "settle.cancelled_by": ("Geannuleerd door", "Cancelled by"),
    "settle.heitjes": ("Heitjes", "Heitjes"),
    "settle.euros": ("Euro", "Euros"),
    "settle.none": ("Er zijn nog geen afrekeningen.", "There are no settlements yet."),
    "settle.one": ("Afrekening {n}", "Settlement {n}"),
    "settle.back": ("Terug naar de afrekeningen", "Back to the settlements"),
    "settle.rate": ("Koers", "Rate"),
    "settle.rate.value": (
        "{h} cent heitje = {e} eurocent",
        "{h} heitje cents = {e} euro cents",
    ),
    "settle.held": ("Nog te beoordelen", "Still in review"),
    "settle.held.value": (
        "{amount} heitjes wachten op een besluit en zijn niet meegeteld.",
        "{amount} heitjes wait for a decision and are not counted.",
    ),
    "settle.sepa": ("Download het betaalbestand (SEPA)", "Download the payment file (SEPA)"),
    "settle.own": (
        "U heeft deze afrekening gemaakt. Een andere medewerker van Financiën moet haar "
        "goedkeuren (vier ogen).",
        "You prepared this settlement. Another member of the finance team must approve it "
        "(four eyes).",
    ),
    "settle.approve": ("Goedkeuren en boeken", "Approve and book"),
    "settle.approve.confirm": (
        "Deze afrekening goedkeuren? De winkels worden dan uitbetaald; dit kan niet terug.",
        "Approve this settlement? The shops will then be paid; this cannot be undone.",
    ),
    "settle.statements": ("Overzicht per winkel", "Statement per shop"),
    "settle.merchant": ("Winkel", "Shop"),
    "settle.iban": ("IBAN", "IBAN"),
    "settle.spends": ("Betalingen", "Payments"),
    "settle.refunds": ("Terugbetalingen", "Refunds"),
    "settle.adjusted": ("Correcties", "Corrections"),
    "settle.earlier": ("Van eerder", "From earlier"),
    "settle.pdf": ("Overzicht", "Statement"),
    "settle.pdf.link": ("PDF", "PDF"),
    "settle.count_sum": ("{n} ×, samen {amount}", "{n} ×, together {amount}"),
    "settle.skipped": ("Niet meegenomen", "Left out"),
    "settle.skipped.intro": (
        "Deze winkels krijgen nu niets; hun boekingen gaan mee in een latere afrekening.",
        "These shops get nothing now; their entries go into a later settlement.",
    ),
    "settle.skipped.no_iban": ("geen IBAN bekend", "no IBAN known"),
    "settle.skipped.bad_iban": ("het IBAN klopt niet", "the IBAN is not valid"),
    "settle.skipped.nothing_to_pay": ("er is niets te betalen", "there is nothing to pay"),
    "settle.skipped.below_a_cent": ("minder dan een eurocent", "less than a euro cent"),
    "settle.cancel": ("Afrekening annuleren", "Cancel the settlement"),
    "settle.cancel.reason": ("Reden", "Reason"),
    "settle.cancel.button": ("Annuleren", "Cancel settlement"),
    "settle.status.prepared": ("Gemaakt, wacht op goedkeuring", "Prepared, waiting for approval"),
    "settle.status.approved": ("Goedgekeurd en geboekt", "Approved and booked"),
    "settle.status.cancelled": ("Geannuleerd", "Cancelled"),
    # participation reports
    "reports.heading": ("Deelname per buurt", "Participation per neighbourhood"),
    "reports.intro": (
        "Wie meedoet, hoeveel klussen en uren, wat er is verdiend en besteed. Bewoners tellen "
        "mee bij hun eigen buurt; een maand loopt in Nederlandse tijd.",
        "Who takes part, how many chores and hours, what was earned and spent. Residents count "
        "in their own neighbourhood; months are in Dutch time.",
    ),
    "reports.download": ("Download als CSV", "Download as CSV"),
    "reports.city": ("De hele stad", "The whole city"),
    "reports.city.caption": ("De stad per maand", "The city per month"),
    "reports.residents": ("Doen mee", "Taking part"),
    "reports.new": ("Nieuw", "New"),
    "reports.returning": ("Terugkerend", "Returning"),
    "reports.chores_done": ("Klussen gedaan", "Chores done"),
    "reports.hours": ("Uren", "Hours"),
    "reports.earned": ("Verdiend", "Earned"),
    "reports.spent": ("Besteed", "Spent"),
    "reports.spent_own": ("Besteed in eigen buurt", "Spent in own neighbourhood"),
    "reports.share_own": ("Deel in eigen buurt", "Share in own neighbourhood"),
    "reports.loans": ("Klusboxen geleend", "Klusbox loans"),
    "reports.per_neighbourhood": ("Per buurt in {month}", "Per neighbourhood in {month}"),
    "reports.per_neighbourhood.intro": (
        "Kies een andere maand in de tabel hierboven.",
        "Choose another month in the table above.",
    ),
    "reports.cbs_code": ("CBS-buurtcode", "CBS buurt code"),
    "reports.chart.residents": (
        "Bewoners die meedoen, per buurt en maand",
        "Residents taking part, per neighbourhood and month",
    ),
    "reports.chart.residents.desc": (
        "Lijndiagram van de buurten met de meeste deelnemers; alle cijfers staan in de tabellen.",
        "Line chart of the neighbourhoods with the most participants; every figure is in the "
        "tables.",
    ),
    "reports.chart.chores": (
        "Nieuwe en terugkerende deelnemers en klussen per maand",
        "New and returning participants and chores per month",
    ),
    "reports.chart.chores.desc": (
        "Staafdiagram; de cijfers staan ook in de tabel hieronder.",
        "Bar chart; the figures are also in the table below.",
    ),
    "reports.chart.money": (
        "Verdiend en besteed per maand",
        "Earned and spent per month",
    ),
    "reports.chart.money.desc": (
        "Staafdiagram in heitjes; de cijfers staan ook in de tabel hieronder.",
        "Bar chart in heitjes; the figures are also in the table below.",
    ),
    # the researchers' export
    "export.heading": ("Export voor onderzoek", "Research export"),
    "export.intro": (
        "Een ZIP-bestand met twee CSV-bestanden, voor onderzoek naar deelname per buurt.",
        "A ZIP file with two CSV files, for research on participation per neighbourhood.",
    ),
    "export.what.table": (
        "heitje-buurten.csv: de cijfers per CBS-buurtcode en maand, en de stad (TOTAAL).",
        "heitje-buurten.csv: the figures per CBS buurt code and month, and the city (TOTAAL).",
    ),
    "export.what.panel": (
        "heitje-panel.csv: één regel per deelnemer en maand, zonder naam, pas of adres.",
        "heitje-panel.csv: one line per participant and month, without name, card or address.",
    ),
    "export.what.suppressed": (
        "Een cijfer over minder dan {n} bewoners staat er als een punt (.), net als een cijfer "
        "waaruit het terug te rekenen zou zijn.",
        "A figure about fewer than {n} residents is shown as a dot (.), as is any figure it "
        "could be worked out from.",
    ),
    "export.what.pseudonyms": (
        "Elke deelnemer heeft een willekeurige code, die in elke export anders is.",
        "Each participant has a random code, different in every export.",
    ),
    "export.download": ("Download de export (ZIP)", "Download the export (ZIP)"),
    "export.download_table": ("Alleen de buurten (CSV)", "The neighbourhoods only (CSV)"),
    # messages after a change
    "done.chore_published": (
        "De klus is geplaatst. De kiosken van de buurt krijgen hem bij hun volgende verbinding.",
        "The chore is published. The kiosks of the neighbourhood get it the next time they "
        "connect.",
    ),
    "done.chore_closed": ("De klus is gestopt.", "The chore has been closed."),
    "done.claim_approved": (
        "Goedgekeurd. De bewoner heeft de beloning gekregen.",
        "Approved. The resident has been given the reward.",
    ),
    "done.claim_rejected": ("De klus is afgekeurd.", "The chore has been rejected."),
    "done.inspector_areas": ("De buurten zijn opgeslagen.", "The neighbourhoods have been saved."),
    "done.review_resolved": (
        "Uw besluit is vastgelegd als boeking van de gemeente.",
        "Your decision has been recorded as an entry of the municipality.",
    ),
    "done.settlement_prepared": (
        "De afrekening is gemaakt. Een andere medewerker van Financiën moet haar goedkeuren.",
        "The settlement has been prepared. Another member of the finance team must approve it.",
    ),
    "done.settlement_approved": (
        "De afrekening is goedgekeurd en geboekt. Het betaalbestand staat klaar.",
        "The settlement has been approved and booked. The payment file is ready.",
    ),
    "done.settlement_cancelled": (
        "De afrekening is geannuleerd.",
        "The settlement has been cancelled.",
    ),
    # refusals on the work pages (OfficeError codes)
    "error.field_required": ("Vul dit veld in.", "Fill in this field."),
    "error.text_too_long": ("Gebruik hoogstens {n} tekens.", "Use at most {n} characters."),
    "error.text_control": (
        "Gebruik alleen gewone tekens.",
        "Use ordinary characters only.",
    ),
    "error.reason_required": ("Geef een reden.", "Give a reason."),
    "error.amount_required": ("Vul een bedrag in.", "Enter an amount."),
    "error.amount_unreadable": (
        "'{value}' is geen bedrag. Schrijf bijvoorbeeld 12,50.",
        "'{value}' is not an amount. Write for example 12.50.",
    ),
    "error.amount_not_positive": (
        "Het bedrag moet meer dan 0 zijn.",
        "The amount must be more than 0.",
    ),
    "error.amount_too_high": (
        "Het bedrag is te hoog: hoogstens {most} heitjes.",
        "The amount is too high: at most {most} heitjes.",
    ),
    "error.number_unreadable": (
        "Vul een heel getal in van {least} tot en met {most}.",
        "Enter a whole number from {least} to {most}.",
    ),
    "error.number_out_of_range": (
        "Kies een getal van {least} tot en met {most}.",
        "Choose a number from {least} to {most}.",
    ),
    "error.datetime_unreadable": (
        "'{value}' is geen datum met tijd. Kies een dag en een tijd.",
        "'{value}' is not a date and time. Choose a day and a time.",
    ),
    "error.choose_neighbourhood": (
        "Kies een buurt uit de lijst.",
        "Choose a neighbourhood from the list.",
    ),
    "error.ends_before_start": (
        "Het einde moet na het begin liggen.",
        "The end must be after the start.",
    ),
    "error.ends_in_past": ("Het einde ligt al in het verleden.", "The end is already in the past."),
    "error.choose_klusbox_kind": (
        "Kies een soort klusbox uit de lijst.",
        "Choose a kind of klusbox from the list.",
    ),
    "error.try_again": (
        "Dat lukte niet; er is niets opgeslagen. Probeer het nog eens.",
        "That did not work; nothing was saved. Please try again.",
    ),
    "error.chore_already_ended": ("Deze klus is al afgelopen.", "This chore has already ended."),
    "error.claim_unknown": ("Deze aanmelding bestaat niet.", "This sign-up does not exist."),
    "error.claim_not_waiting": (
        "Deze klus wacht niet (meer) op keuring; misschien heeft iemand anders al besloten.",
        "This chore is not waiting for inspection (any more); someone else may have decided.",
    ),
    "error.claim_outside_area": (
        "Deze klus hoort bij een buurt die niet aan u is gekoppeld.",
        "This chore belongs to a neighbourhood that has not been given to you.",
    ),
    "error.choose_reason": ("Kies een reden.", "Choose a reason."),
    "error.review_decided": (
        "Hierover is al besloten; er is niets veranderd.",
        "This has already been decided; nothing was changed.",
    ),
    "error.choose_decision": ("Kies een besluit.", "Choose a decision."),
}
