"""Where a due file stands in the archive procedure, in German, and which step comes next; German refusals."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from eakte.aussonderung import DueFile
from eakte.models import ArchiveHandover

# Next steps a row of the due list offers.
OFFER, HAND_OVER, CONFIRM, DESTROY = "offer", "hand_over", "confirm", "destroy"


@dataclass(frozen=True)
class DueRow:
    """A due file with its state in words and its next steps."""

    due: DueFile
    state: str
    steps: tuple[str, ...]
    handover: ArchiveHandover | None


def describe_due(session: Session, due: DueFile) -> DueRow:
    """Describe how far a due file has got and what can be done next."""
    handover = session.get(ArchiveHandover, due.handover_id) if due.handover_id else None
    if due.disposal_code == "V":
        return DueRow(due, "Aufbewahrung abgelaufen; nach Aktenplan zu vernichten", (DESTROY,), handover)
    if due.disposal_code not in ("A", "B"):
        return DueRow(due, "ohne Aussonderungsart: bitte den Aktenplan prüfen", (), handover)
    if handover is not None and due.archive_confirmed:
        return DueRow(due, f"vom Archiv übernommen (Zeichen {handover.archive_reference}); kann vernichtet werden",
                      (DESTROY,), handover)
    if handover is not None:
        return DueRow(due, f"am {handover.exported_at:%d.%m.%Y} an das Archiv abgegeben (Prozess-ID "
                           f"{handover.process_id}); Importbestätigung des Archivs steht aus", (CONFIRM,), handover)
    if due.archive_appraisal == "V":
        return DueRow(due, "vom Archiv als nicht archivwürdig bewertet; kann vernichtet werden", (DESTROY,), handover)
    if due.archive_appraisal == "A":
        return DueRow(due, "vom Archiv als archivwürdig bewertet; an das Archiv abgeben", (HAND_OVER,), handover)
    if due.offer_process_id:
        return DueRow(due, f"dem Archiv angeboten (Prozess-ID {due.offer_process_id}); Bewertung des Archivs steht "
                           "aus", (), handover)
    return DueRow(due, "noch nicht angeboten", (OFFER, HAND_OVER), handover)


_REFUSALS = [
    (r"is not due for disposal", "Die Akte ist nicht zur Aussonderung fällig (sie muss geschlossen und ihre "
                                 "Aufbewahrungsfrist abgelaufen sein)."),
    (r"only A and B files are offered", "Nur Akten mit A oder B werden dem Archiv angeboten."),
    (r"was already offered", "Die Akte wurde dem Archiv bereits angeboten."),
    (r"was already handed over", "Die Akte wurde bereits an das Archiv abgegeben."),
    (r"there is no due A or B file", "Es gibt keine fällige Akte mit A oder B, die noch nicht angeboten wurde."),
    (r"answers no offer list of this authority", "Die Bewertung beantwortet keine Anbietung Ihrer Behörde (die "
                                                 "Prozess-ID ist unbekannt)."),
    (r"answers no hand-over of this authority", "Die Importbestätigung beantwortet keine Abgabe Ihrer Behörde (die "
                                                "Prozess-ID ist unbekannt)."),
    (r"already appraised", "Die Bewertung ist bereits übernommen."),
    (r"already confirmed", "Die Übernahme ist bereits bestätigt."),
    (r"was already destroyed", "Die Akte ist bereits vernichtet."),
    (r"is not closed", "Die Akte ist nicht geschlossen (zdA)."),
    (r"kept permanently", "Die Akte wird dauernd aufbewahrt und kann nie vernichtet werden."),
    (r"retention period runs until", "Die Aufbewahrungsfrist ist noch nicht abgelaufen."),
    (r"can be destroyed only after the archive confirmed the receipt",
     "Die Akte kann erst vernichtet werden, wenn das Archiv die Übernahme bestätigt hat."),
    (r"can be destroyed only after it was handed over",
     "Das Archiv will die Akte: Sie kann erst vernichtet werden, wenn sie abgegeben und die Übernahme bestätigt ist."),
    (r"can be destroyed only after the archive declined it",
     "Die Akte kann erst vernichtet werden, wenn das Archiv sie als nicht archivwürdig bewertet oder ihre Übernahme "
     "bestätigt hat."),
    (r"is not well-formed|not valid xdomea|document type|larger than|expected an xdomea|the message is empty",
     "Die Datei ist keine gültige xdomea-Nachricht des Archivs (Bewertung 0502 oder Importbestätigung 0506)."),
    (r"cannot be imported, nothing was changed", "Die Nachricht wurde nicht übernommen; es wurde nichts geändert."),
    (r"No such file|schema", "Das xdomea-Schema ist auf dem Server nicht vorhanden; bitte wenden Sie sich an den "
                             "Betrieb."),
    (r"content is damaged|missing|damaged", "Ein Dokument der Akte fehlt im Speicher oder ist beschädigt; die Akte "
                                            "kann so nicht abgegeben werden. Bitte prüfen Sie sie mit „aktenfluss "
                                            "eakte verify“."),
]
_COMPILED = [(re.compile(pattern), text) for pattern, text in _REFUSALS]


def german_refusal(exc: Exception) -> str:
    """Return the German message for a refused disposal step."""
    message = getattr(exc, "message", None) or str(exc)
    for pattern, text in _COMPILED:
        if pattern.search(message):
            return text
    return "Dieser Schritt ist im jetzigen Zustand der Akte nicht möglich; es wurde nichts geändert."
