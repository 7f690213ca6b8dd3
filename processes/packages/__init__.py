"""Procedure packages: a procedure as data, deployed, versioned, exported and imported as one unit.

A package is one folder (``bpmn/<procedure>/``) or a ZIP of it, with flat file names:

- ``*.bpmn`` (exactly one executable main process) and ``*.dmn`` decision tables;
- ``*.form`` forms (Camunda Forms, form-js JSON; read by the form system);
- ``*.html`` document templates (Jinja2, rendered sandboxed to PDF/A) and ``*.css`` they include;
- ``manifest.json``: name, version, LeiKa key, groups and roles, connector operations, a suggested
  file plan unit and the templates' metadata (see processes/packages/manifest.py).

Every file of the package is stored with the deployed definition version
(``engine_definition_files``); the content hash covers all of them, so a
changed template is a new version, and running cases keep the version they
started with.
"""
