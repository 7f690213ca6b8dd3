"""Where an applicant's case stands, in plain words: status, what happens now, what to do, by when.

Pure functions over the facts of a case (its procedure, its open steps, the
messages it waits for, its data, its fee). Each bundled procedure names its
steps here in the words an applicant understands; an unknown procedure or
step falls back to the step's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from processes.payment.rules import euro

DOCUMENTS = "documents"
PAYMENT = "payment"


@dataclass(frozen=True)
class Procedure:
    """How the portal speaks about one procedure."""

    title: str
    steps: dict[str, str]
    documents_message: str | None = None
    received: str = "Ihr Antrag ist eingegangen und wird bearbeitet."


PROCEDURES = {
    "baugenehmigung": Procedure(
        "Baugenehmigung",
        {"vollstaendigkeit_pruefen": "Ihr Antrag ist eingegangen. Die Bauaufsicht prüft, ob alle Unterlagen "
                                     "vollständig sind.",
         "beteiligung_festlegen": "Ihre Unterlagen sind vollständig. Die Bauaufsicht prüft Ihr Vorhaben fachlich.",
         "stellungnahme_abgeben": "Andere Stellen, zum Beispiel Brandschutz oder Gemeinde, werden zu Ihrem Vorhaben "
                                  "gehört.",
         "entscheiden": "Die Bauaufsicht entscheidet über Ihren Antrag.",
         "ablehnung_freigeben": "Die Entscheidung über Ihren Antrag wird abschließend geprüft."},
        documents_message="unterlagen_nachgereicht"),
    "geburt": Procedure(
        "Beurkundung einer Geburt",
        {"anzeige_pruefen": "Die Geburtsanzeige ist eingegangen. Das Standesamt prüft sie.",
         "wohnsitz_klaeren": "Das Standesamt klärt den Wohnsitz der Mutter.",
         "namen_bestimmen": "Das Standesamt trägt den Namen des Kindes ein."},
        received="Die Geburtsanzeige ist eingegangen und wird bearbeitet."),
    "eheschliessung": Procedure(
        "Anmeldung der Eheschließung",
        {"unterlagen_pruefen": "Ihre Anmeldung ist eingegangen. Das Standesamt prüft Ihre Unterlagen.",
         "termin_festlegen": "Ihre Unterlagen sind vollständig. Das Standesamt legt den Termin der Trauung fest.",
         "trauung_durchfuehren": "Heute ist Ihr Trautermin."},
        documents_message="eheschliessung_unterlagen_nachgereicht",
        received="Ihre Anmeldung ist eingegangen und wird bearbeitet."),
}
PAYMENT_MESSAGE = "gebuehr_bezahlt"


@dataclass(frozen=True)
class Fee:
    """A fee of the case as the applicant sees it."""

    kassenzeichen: str
    amount_cents: int
    status: str


@dataclass(frozen=True)
class Facts:
    """What is known about a case."""

    process_key: str
    status: str
    open_steps: list[str] = field(default_factory=list)
    open_step_names: list[str] = field(default_factory=list)
    waits_for: frozenset[str] = frozenset()
    data: dict = field(default_factory=dict)
    fee: Fee | None = None


@dataclass(frozen=True)
class CaseStatus:
    """The status in plain words; ``action`` is what the applicant can do now (``documents``, ``payment``)."""

    label: str
    tone: str
    text: str
    next_steps: list[str] = field(default_factory=list)
    deadline: date | None = None
    deadline_label: str | None = None
    action: str | None = None


def procedure_title(process_key: str, fallback: str | None = None) -> str:
    """The procedure's name for applicants."""
    procedure = PROCEDURES.get(process_key)
    return procedure.title if procedure else (fallback or process_key)


def documents_message(process_key: str) -> str | None:
    """The message with which the procedure receives documents handed in later, if it has one."""
    procedure = PROCEDURES.get(process_key)
    return procedure.documents_message if procedure else None


def describe(facts: Facts) -> CaseStatus:
    """The status of a case in plain words."""
    procedure = PROCEDURES.get(facts.process_key, Procedure(facts.process_key, {}))
    if facts.status == "cancelled":
        return CaseStatus("Beendet", "info", "Das Verfahren wurde von der Behörde beendet.")
    if facts.status == "completed":
        return _completed(facts)
    if facts.status == "suspended":
        return CaseStatus("Ruht", "warning", "Die Bearbeitung ruht vorübergehend. Die Behörde meldet sich bei Ihnen.")
    if procedure.documents_message and procedure.documents_message in facts.waits_for:
        return _documents_requested(facts)
    if PAYMENT_MESSAGE in facts.waits_for and facts.fee is not None and facts.fee.status != "paid":
        return _payment_due(facts.fee)
    for step in facts.open_steps:
        if step in procedure.steps:
            return CaseStatus("In Bearbeitung", "info", procedure.steps[step],
                              ["Sie müssen nichts tun. Wir melden uns, wenn wir etwas von Ihnen brauchen."])
    if facts.process_key == "eheschliessung" and facts.data.get("termin"):
        termin = facts.data["termin"]
        day = date.fromisoformat(termin["datum"])
        return CaseStatus("Termin steht fest", "success",
                          f"Ihre Trauung ist am {day:%d.%m.%Y} um {termin.get('uhrzeit', '')} Uhr "
                          f"({termin.get('trauort', '')}).",
                          ["Bringen Sie zur Trauung Ihre Ausweise mit."], day, "Trautermin")
    if facts.open_step_names:
        return CaseStatus("In Bearbeitung", "info", f"Zurzeit: {facts.open_step_names[0]}.")
    return CaseStatus("In Bearbeitung", "info", procedure.received,
                      ["Sie müssen nichts tun. Wir melden uns, wenn wir etwas von Ihnen brauchen."])


def _documents_requested(facts: Facts) -> CaseStatus:
    request = facts.data.get("nachforderung") or {}
    until = date.fromisoformat(request["frist_bis"]) if request.get("frist_bis") else None
    missing = (facts.data.get("fehlende_unterlagen") or "").strip()
    text = "Für Ihren Antrag fehlen Unterlagen." + (f" Es fehlt: {missing}" if missing else "")
    steps = ["Laden Sie die fehlenden Unterlagen unten hoch."]
    if until:
        steps.append(f"Reichen Sie sie bis zum {until:%d.%m.%Y} ein. Sonst kann Ihr Antrag nicht weiter bearbeitet "
                     "werden.")
    return CaseStatus("Unterlagen fehlen", "warning", text, steps, until, "Frist für die Unterlagen", DOCUMENTS)


def _payment_due(fee: Fee) -> CaseStatus:
    if fee.status == "pending":
        return CaseStatus("Zahlung läuft", "info", "Ihre Zahlung wird von der Zahlungsplattform bearbeitet.",
                          ["Sobald die Zahlung bestätigt ist, erhalten Sie Ihren Bescheid."], action=PAYMENT)
    return CaseStatus("Gebühr offen", "warning",
                      f"Über Ihren Antrag ist entschieden. Bitte bezahlen Sie die Gebühr von {euro(fee.amount_cents)} "
                      f"(Kassenzeichen {fee.kassenzeichen}). Danach erhalten Sie Ihren Bescheid.",
                      ["Bezahlen Sie die Gebühr online oder überweisen Sie sie mit dem Kassenzeichen."],
                      action=PAYMENT)


def _completed(facts: Facts) -> CaseStatus:
    data = facts.data
    download = "Ihre Bescheide können Sie unten herunterladen."
    if facts.process_key == "baugenehmigung":
        art = (data.get("bescheid") or {}).get("art")
        if art == "zurueckgenommen":
            return CaseStatus("Zurückgenommen", "danger", "Ihr Antrag gilt als zurückgenommen, weil die Unterlagen "
                                                          "nicht rechtzeitig eingegangen sind.", [download])
        if art == "Ablehnung":
            return CaseStatus("Abgelehnt", "danger", "Ihr Bauantrag wurde abgelehnt.", [download])
        return CaseStatus("Genehmigt", "success", "Ihr Bauantrag wurde genehmigt.", [download])
    if facts.process_key == "geburt":
        return CaseStatus("Beurkundet", "success", "Die Geburt ist beurkundet.",
                          ["Die Geburtsurkunde können Sie unten herunterladen."])
    if facts.process_key == "eheschliessung":
        if data.get("einstellung"):
            return CaseStatus("Eingestellt", "danger", "Das Anmeldeverfahren wurde eingestellt.", [download])
        return CaseStatus("Beurkundet", "success", "Ihre Eheschließung ist beurkundet.",
                          ["Die Eheurkunde können Sie unten herunterladen."])
    return CaseStatus("Abgeschlossen", "success", "Das Verfahren ist abgeschlossen.")
