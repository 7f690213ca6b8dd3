"""Starting a case by hand (Posteingang, Schalter): which procedures a clerk may start, and starting one.

A procedure can be started by hand when its newest version (for the clerk's
authority) has a start event with a start form (deployed with the model, see
engine.forms.links, or registered in Python), or a plain start event without
one (neither message nor timer): then the case starts with the subject and
the channel alone, and the attachments are its application. The clerk must
hold the role ``clerk`` and belong to the group of the start event's lane
(the lane that receives the application); a start event outside any lane may
be used by every clerk. The entered data becomes the case's start data, the
attachments are filed as incoming documents, the channel (paper, counter,
e-mail, fax) is recorded in ``Case.channel``. A building application is given
the same shape as one from the portal (see intake.portal_shaped).
"""

from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn.specs.event_definitions.simple import NoneEventDefinition
from sqlalchemy.orm import Session

from eakte.storage import DocumentStore
from engine import definitions
from engine.definitions import model_of
from engine.errors import Forbidden, NotFound
from engine.forms import Form, form_of
from engine.models import ProcessDefinition, User
from engine.runner import EngineContext
from processes import intake

DESK_CHANNELS = ("paper", "counter", "email", "fax")


@dataclass(frozen=True)
class Startable:
    """A procedure a clerk may start by hand: its newest definition, start event, start form and lane."""

    definition: ProcessDefinition
    event_id: str
    event_name: str | None
    form: Form
    lane: str | None

    @property
    def title(self) -> str:
        """The name shown for the procedure."""
        return self.definition.name or self.form.title or self.definition.key


def startable_procedures(session: Session, ctx: EngineContext, user: User) -> list[Startable]:
    """Return the procedures ``user`` may start by hand, by name."""
    if not user.has_role("clerk"):
        return []
    newest: dict[str, ProcessDefinition] = {}
    for definition in definitions.list_definitions(session, user.authority_id):
        newest.setdefault(definition.key, definition)
    found = [entry for definition in newest.values() for entry in _start_entries(ctx, definition)
             if entry.lane is None or entry.lane in (user.groups or [])]
    return sorted(found, key=lambda entry: entry.title.lower())


def _start_entries(ctx: EngineContext, definition: ProcessDefinition) -> list[Startable]:
    """Return the start event a clerk uses: the first with a start form, else the first plain one (no form)."""
    model = model_of(definition)
    if model.starts_only_by_timer:
        return []
    with_form, plain = [], []
    for event in model.start_events:
        form = form_of(ctx.forms, definition, event.bpmn_id)
        lane = getattr(event, "lane", None)
        if form is not None:
            with_form.append(Startable(definition, event.bpmn_id, event.bpmn_name, form, lane))
        elif isinstance(getattr(event, "event_definition", None), NoneEventDefinition):
            plain.append(Startable(definition, event.bpmn_id, event.bpmn_name, Form(fields=[]), lane))
    return (with_form or plain)[:1]


def startable(session: Session, ctx: EngineContext, user: User, process_key: str) -> Startable:
    """Return the procedure ``process_key`` if ``user`` may start it by hand.

    Raises:
        NotFound: not deployed for the authority, or no start event a person can start it with.
        Forbidden: the user is no clerk of the start event's group.
    """
    definition = definitions.latest_definition(session, process_key, user.authority_id)
    entries = _start_entries(ctx, definition)
    if not entries:
        raise NotFound(f"process '{process_key}' cannot be started by hand (it starts by message or timer only)")
    entry = entries[0]
    if not user.has_role("clerk") or (entry.lane is not None and entry.lane not in (user.groups or [])):
        raise Forbidden(f"only clerks of the group '{entry.lane}' may start this procedure")
    return entry


def start_at_desk(session: Session, ctx: EngineContext, store: DocumentStore, user: User, entry: Startable, *,
                  data: dict, documents: list[intake.IncomingDocument], channel: str, subject: str
                  ) -> intake.Receipt:
    """Start a case of ``entry`` with checked start form data, file the attachments, record the channel.

    Raises:
        ValueError: an unknown channel.
        UnsupportedContent: an attachment is not acceptable; nothing is created.
    """
    if channel not in DESK_CHANNELS:
        raise ValueError(f"unknown channel '{channel}'")
    if entry.definition.key == intake.PROCESS_KEY:
        data = intake.portal_shaped(data, documents, channel)
    return intake.receive_application(session, ctx, store, user, data=data, documents=documents, channel=channel,
                                      subject=subject, process_key=entry.definition.key)
