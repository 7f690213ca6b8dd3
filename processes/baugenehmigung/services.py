"""Built-in steps of the building permit: receipt, request for documents, notices.

Each is a case operation (see engine/registry.py and processes/notices.py);
the texts follow the usual structure of a notice (decision, reasons, legal
remedy) in plain administrative German. Specialist systems (ALKIS, zoning)
are not here: they are reached through the generic HTTP connector.
"""

from __future__ import annotations

from datetime import timedelta

from engine.registry import CaseCall, CaseOperation, ServiceRegistry
from processes.notices import CaseFileSteps
from processes.payment.rules import cents

RECHTSBEHELF = (
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden. "
    "Der Widerspruch ist schriftlich, in elektronischer Form nach § 3a Abs. 2 VwVfG M-V oder zur "
    "Niederschrift bei der Behörde einzulegen, die den Bescheid erlassen hat."
)

DECISION_TEXTS = {
    "Genehmigung": "Die Baugenehmigung wird erteilt.",
    "Genehmigung mit Auflagen": "Die Baugenehmigung wird mit den nachstehenden Nebenbestimmungen erteilt.",
    "Ablehnung": "Der Bauantrag wird abgelehnt.",
    "zurueckgenommen": ("Der Bauantrag gilt als zurückgenommen, weil die nachgeforderten Unterlagen nicht "
                        "innerhalb der gesetzten Frist eingereicht wurden."),
}


def register(registry: ServiceRegistry, steps: CaseFileSteps) -> None:
    """Register the building permit's built-in steps."""
    registry.register("baugenehmigung.eingangsbestaetigung", CaseOperation(lambda call: _receipt(steps, call)))
    registry.register("baugenehmigung.nachforderung", CaseOperation(lambda call, **p: _request(steps, call, **p)))
    registry.register("baugenehmigung.bescheid", CaseOperation(lambda call, **p: _notice(steps, call, **p)))


def _euro(amount: float) -> str:
    """Format an amount the German way: 1.234,50 Euro."""
    return f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") + " Euro"


def _addressee(data: dict) -> list[str]:
    applicant = data.get("antragsteller") or {}
    address = applicant.get("address") or {}
    lines = [applicant.get("name") or "Antragstellerin/Antragsteller"]
    street = " ".join(x for x in (address.get("street"), address.get("house_number")) if x)
    city = " ".join(x for x in (address.get("postal_code"), address.get("city")) if x)
    return [line for line in (*lines, street, city) if line]


def _project(data: dict) -> str:
    vorhaben = data.get("vorhaben") or {}
    parcel = data.get("grundstueck") or {}
    where = ", ".join(f"{k.capitalize()} {parcel[k]}" for k in ("gemarkung", "flur", "flurstueck") if parcel.get(k))
    return f"{vorhaben.get('description') or 'Bauvorhaben'}" + (f" ({where})" if where else "")


def _receipt(steps: CaseFileSteps, call: CaseCall) -> dict:
    data = call.case.data
    return steps.issue(
        call, template="notice.html", title="Eingangsbestätigung", subject=f"Eingangsbestätigung: {_project(data)}",
        doc_type="Nachricht",
        context={"addressee": _addressee(data), "subject": _project(data),
                 "decision": (f"Ihr Bauantrag ist am {call.now:%d.%m.%Y} bei uns eingegangen. "
                              f"Bitte geben Sie bei Rückfragen das Aktenzeichen {call.case.business_key} an."),
                 "reasons": "Wir prüfen Ihren Antrag zunächst auf Vollständigkeit und melden uns bei Ihnen.",
                 "legal_remedy": "Diese Bestätigung ist kein Verwaltungsakt.", "signer": "Untere Bauaufsichtsbehörde"},
    )


def _request(steps: CaseFileSteps, call: CaseCall, fehlende_unterlagen: str, frist_tage: int) -> dict:
    data = call.case.data
    until = call.now + timedelta(days=int(frist_tage))
    result = steps.issue(
        call, template="notice.html", title="Nachforderung von Unterlagen",
        subject=f"Nachforderung: {_project(data)}", doc_type="Anfrage",
        context={"addressee": _addressee(data), "subject": _project(data),
                 "decision": (f"Ihr Bauantrag ist unvollständig. Bitte reichen Sie bis zum {until:%d.%m.%Y} "
                              f"nach:\n\n{fehlende_unterlagen}"),
                 "reasons": ("Ohne diese Unterlagen kann der Antrag nicht geprüft werden. Gehen sie nicht "
                             "fristgerecht ein, gilt der Antrag als zurückgenommen (§ 69 Abs. 2 LBauO M-V)."),
                 "legal_remedy": RECHTSBEHELF, "signer": "Untere Bauaufsichtsbehörde"},
    )
    return {**result, "frist": f"P{int(frist_tage)}D", "frist_bis": until.date().isoformat()}


def _notice(steps: CaseFileSteps, call: CaseCall, art: str) -> dict:
    data = call.case.data
    decision = DECISION_TEXTS.get(art)
    if decision is None:
        raise ValueError(f"unknown kind of notice '{art}'")
    if data.get("auflagen") and art == "Genehmigung mit Auflagen":
        decision += f"\n\nNebenbestimmungen:\n{data['auflagen']}"
    reasons = data.get("begruendung") or ""
    statements = data.get("stellungnahmen") or []
    if statements:
        reasons += "\n\nBeteiligte Stellen:\n" + "\n".join(
            f"{s.get('behoerde')}: {s.get('ergebnis')}" + (" (Zustimmung gilt als erteilt)" if s.get("fiktion") else "")
            for s in statements
        )
    title = "Bescheid" if art != "zurueckgenommen" else "Bescheid über die Rücknahme des Bauantrags"
    notice = steps.issue(
        call, template="notice.html", title=title, subject=f"{title}: {_project(data)}", doc_type="Bescheid",
        context={"addressee": _addressee(data), "subject": _project(data), "decision": decision,
                 "reasons": reasons.strip() or "Siehe Akte.", "legal_remedy": RECHTSBEHELF,
                 "signer": "Untere Bauaufsichtsbehörde"},
    )
    documents, kassenzeichen = [notice["dokument_id"]], None
    if art != "zurueckgenommen" and data.get("gebuehr"):
        payment = steps.fee(call, amount_cents=cents(data["gebuehr"]),
                            purpose=f"Baugebühr {call.case.business_key}")
        kassenzeichen = payment.kassenzeichen
        fee = steps.issue(
            call, template="notice.html", title="Gebührenbescheid", subject=f"Gebührenbescheid: {_project(data)}",
            doc_type="Bescheid",
            context={"addressee": _addressee(data), "subject": _project(data),
                     "decision": (f"Für die Bearbeitung Ihres Bauantrags wird eine Gebühr von "
                                  f"{_euro(data['gebuehr'])} festgesetzt.\n\nKassenzeichen: {kassenzeichen}\n\n"
                                  "Bitte zahlen Sie die Gebühr unter Angabe des Kassenzeichens, am einfachsten "
                                  "online im Bürgerportal. Der Bescheid über Ihren Bauantrag wird Ihnen nach "
                                  "Eingang der Zahlung zugestellt."),
                     "reasons": f"Tarifstelle: {data.get('tarifstelle', '')}", "legal_remedy": RECHTSBEHELF,
                     "signer": "Untere Bauaufsichtsbehörde"},
        )
        documents.append(fee["dokument_id"])
    return {"art": art, "dokument_ids": documents, "datum": call.now.date().isoformat(),
            "kassenzeichen": kassenzeichen}
