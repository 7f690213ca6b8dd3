"""A case's steps in German: the history's entries and the diagram's done and waiting steps.

Steps are named by the names of the model's elements. An element without a
name (a joining gateway, the start of a sub-process) gets a German
description of what it is instead of its BPMN id; in the list of completed
steps, gateways and unnamed elements are left out (they are routing, not work).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from eakte import audit
from engine.definitions import model_of
from engine.models import Case, ProcessDefinition
from processes import casework

EVENT_LABELS = {
    "case.started": "Vorgang begonnen",
    "case.completed": "Vorgang abgeschlossen",
    "case.viewed": "Akte angesehen",
    "case.suspended": "Vorgang angehalten",
    "case.resumed": "Vorgang fortgesetzt",
    "case.cancelled": "Vorgang abgebrochen",
    "case.failed": "Vorgang mit Fehler beendet",
    "call.started": "Aufgerufenen Vorgang gestartet",
    "call.returned": "Aufgerufener Vorgang beendet",
    "call.escalated": "Eskalation aus aufgerufenem Vorgang",
    "signal.received": "Signal eingegangen",
    "task.created": "Aufgabe angelegt",
    "task.claimed": "Aufgabe übernommen",
    "task.unclaimed": "Aufgabe zurückgegeben",
    "task.completed": "Aufgabe erledigt",
    "task.cancelled": "Aufgabe abgebrochen",
    "task.handed_over": "Aufgabe an Gruppe übergeben",
    "task.follow_up_set": "Wiedervorlage gesetzt",
    "user.group_added": "Zur Gruppe hinzugefügt",
    "document.stored": "Dokument abgelegt",
    "document.read": "Dokument geöffnet",
    "document.rendered": "PDF-Fassung erstellt",
    "service.called": "Fachverfahren abgefragt",
    "service.discarded": "Antwort eines Fachverfahrens verworfen (der Schritt wartete nicht mehr)",
    "message.received": "Nachricht eingegangen",
    "message.delivered": "Nachricht zugestellt",
    "message.sent": "Nachricht an das Bürgerpostfach gesendet",
    "notice.made_available": "Bescheid zum Abruf bereitgestellt",
    "notice.downloaded": "Bescheid abgerufen",
    "incident.opened": "Störung aufgetreten",
    "incident.retried": "Störung erneut versucht",
    "note.added": "Notiz",
    "fitconnect.accepted": "Über FIT-Connect eingegangen und angenommen",
    "fitconnect.reply_queued": "Bescheide für den Rückweg über FIT-Connect vorgemerkt",
    "fitconnect.reply_sent": "Bescheide verschlüsselt über FIT-Connect an den Onlinedienst gesendet",
    "fitconnect.reply_confirmed": "Zustelldienst bestätigt die Antwort über FIT-Connect",
}

AUTOMATIC = {"ServiceTask", "ScriptTask", "BusinessRuleTask", "SendTask", "NoneTask"}
SUBPROCESSES = {"SubWorkflowTask", "CallActivity", "TransactionSubprocess", "AdHocSubprocess", "AdHocSpec",
                "ChildCaseCall"}
MULTI_INSTANCE = {"ParallelMultiInstanceTask", "SequentialMultiInstanceTask", "StandardLoopTask",
                  "ParallelInstances", "SequentialInstances"}
GATEWAYS = {"ExclusiveGateway", "InclusiveGateway", "EventBasedGateway", "ParallelGateway", "ComplexGateway"}
CATCH_EVENTS = {"IntermediateCatchEvent", "BoundaryEvent", "RepeatingBoundaryEvent", "ReceiveTask"}

# (label with a name, label without one) per kind of element.
_STEP_WORDS = {
    **{kind: ("Automatisch erledigt", "Automatischer Schritt erledigt") for kind in AUTOMATIC},
    **{kind: ("Teilablauf abgeschlossen", "Teilablauf abgeschlossen") for kind in SUBPROCESSES},
    **{kind: ("Alle Durchläufe abgeschlossen", "Alle Durchläufe abgeschlossen") for kind in MULTI_INSTANCE},
    "ExclusiveGateway": ("Verzweigung", "Verzweigung durchlaufen"),
    "InclusiveGateway": ("Verzweigung", "Verzweigung durchlaufen"),
    "EventBasedGateway": ("Warten auf das erste Ereignis", "Warten auf das erste Ereignis"),
    "ParallelGateway": ("Parallele Bearbeitung", "Parallele Bearbeitung aufgeteilt oder zusammengeführt"),
    "ComplexGateway": ("Verzweigung", "Verzweigung durchlaufen"),
    "StartEvent": ("Beginn", "Ablauf begonnen"),
    "EventSubprocessStart": ("Beginn", "Ablauf begonnen"),
    "EndEvent": ("Ende", "Ablauf beendet"),
    "IntermediateCatchEvent": ("Ereignis eingetreten", "Ereignis eingetreten"),
    "BoundaryEvent": ("Ereignis eingetreten", "Ereignis eingetreten"),
    "RepeatingBoundaryEvent": ("Ereignis eingetreten", "Ereignis eingetreten"),
    "ReceiveTask": ("Eingegangen", "Erwartete Nachricht eingegangen"),
    "IntermediateThrowEvent": ("Ereignis ausgelöst", "Ereignis ausgelöst"),
    "ManualTask": ("Erledigt", "Schritt erledigt"),
}


def element_names(definition: ProcessDefinition) -> dict[str, str]:
    """Return the names of the model's elements by BPMN id (sub-processes included; unnamed ones left out)."""
    model = model_of(definition)
    names: dict[str, str] = {}
    for spec in (model.spec, *(s for s in model.subprocess_specs.values() if s is not None)):
        for task_spec in spec.task_specs.values():
            bpmn_id, name = getattr(task_spec, "bpmn_id", None), getattr(task_spec, "bpmn_name", None)
            if bpmn_id and name and name.strip():
                names.setdefault(bpmn_id, name.strip())
    return names


def step_label(data: dict, names: dict[str, str]) -> str:
    """Return the German history entry of a ``step.completed`` event (its data: bpmn_id, name, type)."""
    name = (data.get("name") or "").strip() or names.get(data.get("bpmn_id") or "", "")
    named, unnamed = _STEP_WORDS.get(data.get("type") or "", ("Schritt erledigt", "Schritt erledigt"))
    return f"{named}: {name}" if name else unnamed


def event_title(kind: str, data: dict, names: dict[str, str]) -> str:
    """Return the German title of a history entry (the event kind in words, with what it concerns)."""
    if kind == "step.completed":
        return step_label(data, names)
    label = EVENT_LABELS.get(kind, "Ereignis")
    if kind == "task.claimed" and data.get("assignee"):
        label = "Aufgabe zugewiesen"
    detail = data.get("name") or data.get("subject")
    return f"{label}: {detail}" if detail and kind != "note.added" else label


def shows_as_done(data: dict) -> bool:
    """Tell whether a completed step belongs in the list of done work (not gateways, not unnamed elements)."""
    kind = data.get("type") or ""
    return kind not in GATEWAYS and kind not in MULTI_INSTANCE and bool((data.get("name") or "").strip())


@dataclass(frozen=True)
class Step:
    """A BPMN element of the case's process: its id (for the diagram) and its name (for people)."""

    bpmn_id: str
    name: str


@dataclass(frozen=True)
class DiagramState:
    """Steps done (in the order they were first done), steps waiting for a person, and every step touched."""

    completed: list[Step]
    active: list[Step]
    touched_ids: list[str]

    @property
    def completed_ids(self) -> list[str]:
        """BPMN ids to mark as done in the diagram (gateways and events included)."""
        return self.touched_ids

    @property
    def active_ids(self) -> list[str]:
        return list(dict.fromkeys(step.bpmn_id for step in self.active))


def diagram_state(session: Session, case: Case, names: dict[str, str]) -> DiagramState:
    """Collect completed steps from the case's history and active ones from its open tasks, named for people."""
    events, _ = audit.history(session, case.id, 0, 100_000)
    completed: dict[str, Step] = {}
    touched: dict[str, None] = {}
    calls: dict[str, str] = {}  # child case id -> BPMN id of the call activity that started it
    for event in events:
        data = event.data or {}
        bpmn_id = data.get("bpmn_id")
        if event.kind == "call.started" and bpmn_id and data.get("child_case_id"):
            calls[data["child_case_id"]] = bpmn_id
        if event.kind not in ("step.completed", "task.completed") or not bpmn_id:
            continue
        touched.setdefault(bpmn_id)
        if bpmn_id in completed:
            continue
        if event.kind == "task.completed":
            completed[bpmn_id] = Step(bpmn_id, names.get(bpmn_id) or data.get("name") or "Aufgabe")
        elif shows_as_done(data):
            completed[bpmn_id] = Step(bpmn_id, data["name"].strip())
    active = [Step(t.bpmn_id, t.name) for t in casework.open_tasks_of(session, case)]
    if calls and case.status in ("running", "suspended"):  # call activities wait for their running child cases
        running = session.scalars(select(Case.id).where(Case.id.in_(calls), Case.status.in_(("running", "suspended"))))
        active += [Step(calls[child_id], names.get(calls[child_id]) or "Aufgerufener Vorgang") for child_id in running]
    return DiagramState(list(completed.values()), active, list(touched))
