"""The generic step that makes a document from a package template: ``eakte.dokument``.

A service task names the template and, unless the manifest says it, the
title and the document type::

    <spiffworkflow:serviceTaskOperator id="eakte.dokument" resultVariable="bescheid">
      <spiffworkflow:parameters>
        <spiffworkflow:parameter id="vorlage" type="str" value="&quot;bescheid.html&quot;"/>
        <spiffworkflow:parameter id="betreff" type="str" value="&quot;Bescheid &quot; + vorhaben"/>
      </spiffworkflow:parameters>
    </spiffworkflow:serviceTaskOperator>

The template is filled with the case data and every further parameter,
rendered to PDF/A, sealed if the authority has a seal (like every notice), and
filed as an outgoing document into the case's file, all inside the step's
transaction. The result (``dokument_id``, ``version``, ``sha256``, ``datum``)
goes to the result variable, e.g. for ``eakte.zustellen``. A template that
fails (a missing value, a broken limit) fails the job: the worker retries and
then opens an incident naming the template and its line.
"""

from __future__ import annotations

from typing import Any

from eakte.document_templates import TemplateProblem, render_document
from engine.registry import CaseCall, CaseOperation, ServiceRegistry
from processes.notices import CaseFileSteps
from processes.packages.checks import DOCUMENT_OPERATION
from processes.packages.store import package_of

RESERVED_PARAMETERS = ("vorlage", "titel", "dokumentart", "betreff")


class DocumentFailed(Exception):
    """The template could not be filled or rendered; the message names the template and line."""


def register(registry: ServiceRegistry, steps: CaseFileSteps) -> None:
    """Register ``eakte.dokument``."""
    registry.register(DOCUMENT_OPERATION, CaseOperation(lambda call, **params: make_document(steps, call, **params)))


def make_document(steps: CaseFileSteps, call: CaseCall, vorlage: str, titel: str | None = None,
                  dokumentart: str | None = None, betreff: str | None = None, **values: Any) -> dict:
    """Fill the package template ``vorlage`` with the case data, render, seal and file it."""
    package = package_of(call.case.definition)
    if not isinstance(vorlage, str) or vorlage not in package.templates or not vorlage.endswith(".html"):
        raise DocumentFailed(f"template '{vorlage}' is not part of the package of process "
                             f"'{call.case.definition.key}' version {call.case.definition.version}")
    info = package.manifest.templates.get(vorlage) if package.manifest else None
    title = titel or (info.title if info else None)
    doc_type = dokumentart or (info.doc_type if info else None)
    if not title or not doc_type:
        raise DocumentFailed(f"template '{vorlage}' needs a title and a document type (parameters 'titel' and "
                             "'dokumentart', or the manifest)")
    subject = betreff or (f"{title}: {call.case.subject}" if call.case.subject else title)
    context = {**call.case.data, **values}

    def render(meta) -> bytes:
        try:
            return render_document(package.templates, vorlage, context, meta)
        except TemplateProblem as exc:
            where = f"{exc.template or vorlage}" + (f", line {exc.line}" if exc.line else "")
            raise DocumentFailed(f"template {where}: {exc.message}") from exc

    result = steps.issue_rendered(call, render, title=title, subject=subject[:500], doc_type=doc_type)
    return {**result, "vorlage": vorlage, "titel": title}
