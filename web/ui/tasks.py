"""The task page: the step's form, case summary, documents, notes, follow-up date; claim, unclaim, hand over,
upload, complete. Tasks of a suspended case are shown as such and cannot be claimed or completed."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask import Blueprint, flash, redirect, render_template, request, url_for

from eakte.errors import FileClosed, UnsupportedContent
from eakte.models.dokument import DIRECTIONS, DOCUMENT_TYPES, Dokument
from engine import runner
from engine.errors import CaseNotActive, Forbidden, InvalidData
from engine.forms import form_of
from processes import casework, handover
from web.database import get_session
from web.engine_context import document_store, engine_context
from web.ui import documents, services, vertretung
from web.ui.common import error_page, german_message, login_required, register_error_pages, ui_user
from web.ui.forms.submission import read_submission
from web.ui.forms.values import tree_from_data
from web.ui.forms.widgets import build_context, build_widgets, error_summary

bp = Blueprint("ui_tasks", __name__, url_prefix="/ui/aufgaben")
register_error_pages(bp)

UPLOAD_FIELDS = {"betreff", "dokumentart", "richtung", "datei"}
SUBJECT_LENGTH = Dokument.__table__.c.subject.type.length


@bp.get("/<task_id>")
@login_required()
def show(task_id):
    """Show a task with its form."""
    return _page(task_id)


@bp.post("/<task_id>/uebernehmen")
@login_required("clerk", "supervisor")
def claim(task_id):
    """Claim the task for myself (in Vertretung, if it is assigned to a colleague I stand in for)."""
    db, user, ctx = get_session(), ui_user(), engine_context()
    absent = vertretung.absent_for_task(db, user, casework.get_task(db, user, task_id), ctx.clock())
    runner.claim_task(db, ctx, task_id, user, on_behalf_of=absent)
    flash("Sie haben die Aufgabe übernommen." if absent is None
          else f"Sie haben die Aufgabe in Vertretung für {absent.display_name} übernommen.")
    return redirect(url_for(".show", task_id=task_id))


@bp.post("/<task_id>/zurueckgeben")
@login_required("clerk", "supervisor")
def unclaim(task_id):
    """Give the task back to its group."""
    runner.unclaim_task(get_session(), engine_context(), task_id, ui_user())
    flash("Die Aufgabe ist wieder für die Gruppe offen.")
    return redirect(url_for("ui_inbox.inbox"))


@bp.post("/<task_id>/zuweisen")
@login_required("clerk", "supervisor")
def assign(task_id):
    """Hand the task to a colleague (``processes.handover``), or (supervisors) give it to another group."""
    db, user = get_session(), ui_user()
    username, group = request.form.get("kollege", "").strip(), request.form.get("gruppe", "").strip()
    if username:
        try:
            task, colleague, added = handover.hand_over(db, engine_context(), user, task_id, username,
                                                        add_to_group=request.form.get("zur_gruppe") == "ja")
        except InvalidData:  # not a member of the task's group, and adding them was not chosen
            task = casework.get_task(db, user, task_id)
            return _page(task_id, status=422, handover_values=request.form, form_errors={"kollege": [
                f"Die gewählte Person gehört nicht zur Gruppe {task.candidate_group}. Kreuzen Sie „Zur Gruppe "
                f"{task.candidate_group} hinzufügen“ an, wenn sie die Aufgabe trotzdem bearbeiten soll."]})
        except Forbidden:
            return _page(task_id, status=403, handover_values=request.form, form_errors={"kollege": [
                "An diese Person können Sie die Aufgabe nicht übergeben. Sachbearbeiterinnen und Sachbearbeiter "
                "übergeben an Kolleginnen und Kollegen derselben Gruppe; Konten für Verwaltung oder Modellierung "
                "bearbeiten keine Aufgaben."]})
        joined = f" und zur Gruppe {task.candidate_group} hinzugefügt" if added else ""
        flash(f"Die Aufgabe ist jetzt {colleague.display_name} zugewiesen{joined}.")
    elif group and not user.has_role("supervisor"):
        return error_page(403, "Nur die Leitung kann eine Aufgabe an eine andere Gruppe geben.")
    elif group:
        try:
            services.hand_to_group(db, user, casework.get_task(db, user, task_id), group)
        except InvalidData as exc:
            return _page(task_id, form_errors={"gruppe": exc.details["fields"]["gruppe"]}, status=422)
        flash(f"Die Aufgabe liegt jetzt offen bei der Gruppe {group}.")
    else:
        field = "gruppe" if "gruppe" in request.form else "kollege"
        return _page(task_id, status=422, form_errors={field: [
            "Bitte eine Gruppe wählen." if field == "gruppe" else "Bitte eine Kollegin oder einen Kollegen wählen."]})
    return redirect(url_for(".show", task_id=task_id))


@bp.post("/<task_id>/wiedervorlage")
@login_required("clerk", "supervisor")
def follow_up(task_id):
    """Set or clear the follow-up date."""
    db, user = get_session(), ui_user()
    raw = request.form.get("wiedervorlage", "").strip()
    try:
        moment = datetime.combine(date.fromisoformat(raw), time(7, 0), tzinfo=timezone.utc) if raw else None
    except ValueError:
        return _page(task_id, form_errors={"wiedervorlage": ["Bitte ein gültiges Datum eingeben."]}, status=422)
    services.set_follow_up(db, user, casework.get_task(db, user, task_id), moment)
    flash("Wiedervorlage gespeichert." if moment else "Wiedervorlage entfernt.")
    return redirect(url_for(".show", task_id=task_id))


@bp.post("/<task_id>/notiz")
@login_required("clerk", "supervisor")
def note(task_id):
    """Add a note to the task's case."""
    db, user = get_session(), ui_user()
    task = casework.get_task(db, user, task_id)
    try:
        services.add_note(db, user, casework.get_case(db, user, task.case_id), request.form.get("notiz", ""), task)
    except InvalidData as exc:
        return _page(task_id, form_errors=exc.details.get("fields", {}), status=422)
    flash("Notiz gespeichert.")
    return redirect(url_for(".show", task_id=task_id))


@bp.post("/<task_id>/dokumente")
@login_required("clerk", "supervisor")
def upload(task_id):
    """Upload a document into the task's case file (multipart: subject, document type, direction, file)."""
    db, user = get_session(), ui_user()
    form = request.form
    subject, doc_type = form.get("betreff", "").strip(), form.get("dokumentart", "")
    direction = form.get("richtung", "incoming")
    files = [f for f in request.files.getlist("datei") if f.filename]
    problems: dict[str, list[str]] = {}
    if not subject:
        problems["betreff"] = ["Bitte einen Betreff eingeben."]
    elif len(subject) > SUBJECT_LENGTH:
        problems["betreff"] = [f"Bitte höchstens {SUBJECT_LENGTH} Zeichen eingeben."]
    if doc_type not in DOCUMENT_TYPES:
        problems["dokumentart"] = ["Bitte eine Dokumentart wählen."]
    if direction not in DIRECTIONS:
        problems["richtung"] = ["Bitte Eingang, Ausgang oder intern wählen."]
    if len(files) != 1:
        problems["datei"] = ["Bitte genau eine Datei auswählen."]
    if problems:
        if files and "datei" not in problems:  # browsers never fill a file input in again
            problems["datei"] = ["Bitte wählen Sie die Datei noch einmal aus: Nach einem Fehler kann der Browser die "
                                 "gewählte Datei aus Sicherheitsgründen nicht behalten."]
        return _page(task_id, form_errors=problems, upload_values=form, status=422)
    try:
        version = documents.upload_into_task(
            db, document_store(), user, casework.get_task(db, user, task_id), data=files[0].read(),
            filename=files[0].filename, subject=subject, doc_type=doc_type, direction=direction,
            now=engine_context().clock(),
        )
    except UnsupportedContent as exc:
        return _page(task_id, form_errors={"datei": [documents.german_rejection(exc)]}, upload_values=form, status=422)
    except FileClosed:
        return _page(task_id, form_errors={"datei": [
            "Die Akte ist geschlossen (zdA) und nimmt keine Dokumente mehr an. Die Leitung kann sie wieder öffnen."]},
            upload_values=form, status=409)
    flash(documents.stored_message(subject, files[0].filename, version))
    return redirect(url_for(".show", task_id=task_id) + "#dokumente")


@bp.post("/<task_id>/erledigen")
@login_required("clerk", "supervisor")
def complete(task_id):
    """Complete the task with the submitted form."""
    db, user, ctx = get_session(), ui_user(), engine_context()
    task = casework.get_task(db, user, task_id)
    absent = vertretung.absent_for_task(db, user, task, ctx.clock())
    if task.status == "open" and task.assignee_id != user.id and absent is None:  # e.g. given back meanwhile
        return _page(task_id, form_errors={"_form": [
            "Die Aufgabe ist Ihnen nicht (mehr) zugewiesen. Bitte übernehmen Sie sie, bevor Sie sie erledigen."]},
            status=409)
    form = form_of(ctx.forms, casework.get_case(db, user, task.case_id).definition, task.bpmn_id)
    data, tree = {}, None
    if form is not None:
        submission = read_submission(form, request.form)
        tree = submission.tree
        if submission.action:  # a row added or removed: the same page again, nothing is saved
            return _page(task_id, tree=tree, focus=submission.focus)
        if submission.errors:
            return _page(task_id, tree=tree, form_errors=submission.errors, status=422)
        data = submission.data
    try:
        runner.complete_task(db, ctx, task_id, user, data, on_behalf_of=absent)
    except CaseNotActive as exc:  # e.g. suspended while the form was open: keep what was entered
        return _page(task_id, tree=tree, form_errors={"_form": [german_message(exc)]}, status=409)
    except InvalidData as exc:  # the engine checks the form again, with the same form
        fields = {k: [str(m) for m in v] for k, v in exc.details.get("fields", {}).items()}
        return _page(task_id, tree=tree, form_errors=fields or {"_form": [exc.message]}, status=422)
    flash(f"Aufgabe „{task.name}“ erledigt.")
    return redirect(url_for("ui_inbox.inbox"))


def _page(task_id: str, tree: dict | None = None, form_errors: dict | None = None, status: int = 200,
          upload_values=None, focus: str | None = None, handover_values=None):
    db, user, ctx = get_session(), ui_user(), engine_context()
    task = casework.get_task(db, user, task_id)
    case = casework.get_case(db, user, task.case_id)
    form = form_of(ctx.forms, case.definition, task.bpmn_id)
    form_errors = form_errors or {}
    suspended = case.status == "suspended"
    on_behalf = vertretung.absent_for_task(db, user, task, ctx.clock())
    may_work = (task.status == "open" and (task.assignee_id == user.id or on_behalf is not None)
                and case.status == "running")
    widgets, unplaced = [], dict(form_errors)
    if form is not None and may_work:
        shown_tree = tree if tree is not None else tree_from_data(form, case.data)
        widgets, unplaced = build_widgets(form, shown_tree, form_errors, focus)
    file = documents.case_file(db, user, case)
    assignees = handover.eligible_assignees(db, user, task) if _may_hand_over(task, user) else None
    shown = _fields_shown(task, user, file, bool(assignees and (assignees.members or assignees.others)))
    general_errors = [m for k, msgs in unplaced.items() if k not in shown for m in msgs]
    return render_template(
        "ui/task.html", title=task.name, task=task, case=case, form=form, widgets=widgets,
        context=build_context(form, case.data) if form is not None else [],
        field_errors_summary=error_summary(widgets) if may_work else [],
        form_errors=form_errors, general_errors=general_errors, may_work=may_work, suspended=suspended,
        notes=services.notes_of(db, case, limit=20), now=ctx.clock(), assignees=assignees,
        group_options=[(g, g) for g in services.groups_of_authority(db, user)] if user.has_role("supervisor") else [],
        file=file, task_documents=[item for item in file.documents if item.dokument.task_id == task.id],
        direction_labels=documents.DIRECTION_LABELS, procedure_name=case.definition.name or case.definition.key,
        document_type_options=[(t, t) for t in DOCUMENT_TYPES], upload=upload_values or {},
        handover_values=handover_values or {}, general_error_items=[(None, m) for m in general_errors],
        on_behalf=on_behalf,
    ), status


def _may_hand_over(task, user) -> bool:
    """Supervisors may hand over any open task; clerks one they hold or one open in their group."""
    if task.status != "open":
        return False
    if user.has_role("supervisor"):
        return True
    return task.assignee_id == user.id or (task.assignee_id is None and (
        task.candidate_group is None or task.candidate_group in (user.groups or ())))


def _fields_shown(task, user, file, hands_over: bool) -> set[str]:
    """Return the names of the other inputs task.html renders (errors of all others are listed at the top)."""
    if task.status != "open":
        return set()
    shown = {"notiz", "wiedervorlage"}
    if hands_over:
        shown.add("kollege")
    if user.has_role("supervisor"):
        shown.add("gruppe")
    if file.akte and (task.assignee_id == user.id or user.has_role("supervisor")):
        shown |= UPLOAD_FIELDS
    return shown
