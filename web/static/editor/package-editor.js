// The package editor page: bpmn-js Modeler (with bpmnlint and the engine's findings), the form-js
// editor and dmn-js, each writing every change into the text area of its file at once, so that
// "Speichern" posts the whole package as one plain HTML form. Without JavaScript the text areas are
// the editor.
(function () {
  "use strict";
  var form = document.getElementById("paket-editor");
  if (!form) { return; }
  var data = JSON.parse(form.dataset.editor || "{}");
  var csrf = form.querySelector("input[name=csrf_token]").value;

  function textarea(file) {
    return form.querySelector("textarea.file-text[data-file=\"" + CSS.escape(file) + "\"]");
  }

  function files() {
    var found = {};
    form.querySelectorAll("textarea.file-text").forEach(function (area) { found[area.dataset.file] = area.value; });
    return found;
  }

  function forms() {
    var found = [];
    form.querySelectorAll("textarea.file-text").forEach(function (area) {
      if (!/\.form$/.test(area.dataset.file)) { return; }
      try { found.push({ id: JSON.parse(area.value).id, file: area.dataset.file }); } catch (error) { /* shown by the check */ }
    });
    return found.filter(function (f) { return f.id; });
  }

  function templates() {
    return Object.keys(files()).filter(function (name) { return /\.html$/.test(name); }).sort();
  }

  function collapse(area) {
    var details = area.closest("details");
    if (details) { details.open = false; }
  }

  // --- BPMN ----------------------------------------------------------------------------------------

  function loadJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) { return r.json(); });
  }

  function startBpmn(block, moddle) {
    var file = block.dataset.file;
    var area = textarea(file);
    var canvas = block.querySelector(".bpmn-canvas");
    var lintList = block.querySelector(".bpmn-lint");
    var hasLint = window.AktenflussLint && typeof window.AktenflussLint.linterConfig === "function";
    var modeler = new window.BpmnJS({
      container: canvas,
      moddleExtensions: moddle,
      additionalModules: hasLint ? [window.AktenflussLint.module] : [],
      linting: hasLint ? { bpmnlint: window.AktenflussLint.linterConfig(), active: true } : undefined
    });
    new window.AktenflussBpmnProperties(modeler, block.querySelector(".bpmn-properties"),
      { operations: data.operations || [], forms: forms, templates: templates });
    var timer = null;
    block.modeler = modeler; // for scripts that drive the editor (and for debugging in the browser)

    function save() {
      return modeler.saveXML({ format: true }).then(function (result) { area.value = result.xml; });
    }

    function check() {
      save().then(function () {
        return fetch(data.checkUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
          body: JSON.stringify({ key: data.key, files: files() })
        });
      }).then(function (response) { return response.ok ? response.json() : { findings: [] }; })
        .then(function (answer) {
          var registry = modeler.get("elementRegistry");
          var findings = (answer.findings || []).filter(function (f) { return !f.file || f.file === file || !/\.bpmn$/.test(f.file); })
            .map(function (f) {
              var where = f.file && f.file !== file ? f.file + (f.line ? ", Zeile " + f.line : "") + ": " : "";
              return { element_id: f.element_id, message: "Engine: " + where + f.message,
                       root: !f.element_id || !registry.get(f.element_id) };
            });
          if (hasLint) {
            window.AktenflussLint.setEngineFindings(findings);
            modeler.get("linting").update();
          } else {
            showIssues(findings.map(function (f) { return { id: f.element_id, message: f.message }; }));
          }
        })
        .catch(function () { /* the check is a help; saving checks again */ });
    }

    function showIssues(issues) {
      lintList.innerHTML = "";
      var heading = document.createElement("p");
      heading.textContent = issues.length ? "Prüfung: " + issues.length + " Hinweis(e) im Ablauf" : "Prüfung: keine Hinweise im Ablauf.";
      lintList.appendChild(heading);
      if (!issues.length) { return; }
      var list = document.createElement("ul");
      issues.forEach(function (issue) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "link-button";
        var target = issue.id && modeler.get("elementRegistry").get(issue.id);
        var name = target && target.businessObject && target.businessObject.name;
        button.textContent = name ? name + " (" + issue.id + ")" : (issue.id || "Prozess");
        button.addEventListener("click", function () {
          var element = issue.id && modeler.get("elementRegistry").get(issue.id);
          if (element) {
            modeler.get("selection").select(element);
            modeler.get("canvas").scrollToElement(element);
          }
        });
        item.appendChild(button);
        item.appendChild(document.createTextNode(": " + issue.message));
        list.appendChild(item);
      });
      lintList.appendChild(list);
    }

    modeler.on("linting.completed", function (event) {
      var issues = [];
      Object.keys(event.issues).forEach(function (id) {
        event.issues[id].forEach(function (issue) { issues.push({ id: issue.id || id, message: issue.message }); });
      });
      showIssues(issues);
    });
    modeler.on("commandStack.changed", function () {
      save();
      clearTimeout(timer);
      timer = setTimeout(check, 700);
    });
    return modeler.importXML(area.value).then(function (result) {
      keepVariableReferences(modeler, result.warnings || []);
      fitCanvas(modeler.get("canvas"));
      collapse(area);
      block.dataset.ready = "true";
      check();
    }).catch(function (error) {
      block.querySelector(".bpmn-properties").textContent =
        "Das Diagramm kann nicht angezeigt werden (" + error.message + "). Bitte das XML unten als Text bearbeiten.";
      block.dataset.ready = "error";
    });
  }

  // SpiffWorkflow reads a multi-instance's loopDataInputRef / loopDataOutputRef as the name of a case variable
  // ("fachbehoerden"); for bpmn-js they are references to elements, and one that names no element is dropped on
  // import (a warning), so saving would lose it. Keep each as a reference to a stand-in with that id: it is written
  // back as the same text, and nothing else is added to the model.
  function keepVariableReferences(modeler, warnings) {
    var moddle = modeler.get("moddle");
    warnings.forEach(function (warning) {
      var property = warning.property || "";
      if (warning.element && typeof warning.value === "string" && /unresolved reference/.test(warning.message || "") &&
          /^bpmn:loopData(Input|Output)Ref$/.test(property)) {
        warning.element.set(property, moddle.create("bpmn:Property", { id: warning.value }));
      }
    });
  }

  // Show the whole diagram, at most at full size, clear of the palette on the left.
  function fitCanvas(canvas) {
    canvas.zoom("fit-viewport");
    if (canvas.zoom() > 1) { canvas.zoom(1); }
    canvas.scroll({ dx: 70, dy: 0 });
  }

  // --- forms (form-js) -----------------------------------------------------------------------------

  function startForm(node) {
    var area = textarea(node.dataset.file);
    var schema;
    try { schema = JSON.parse(area.value); } catch (error) {
      node.textContent = "Das Formular ist kein gültiges JSON; bitte unten als Text bearbeiten.";
      return Promise.resolve();
    }
    var editor = new window.FormEditor.FormEditor({ container: node });
    function save() { area.value = JSON.stringify(editor.saveSchema(), null, 2); return Promise.resolve(); }
    editor.on("changed", save);
    return editor.importSchema(schema).then(function () { collapse(area); node.dataset.ready = "true"; })
      .catch(function (error) { node.textContent = "Der Formulareditor kann das Formular nicht öffnen (" + error.message + ")."; });
  }

  // --- decision tables (dmn-js) --------------------------------------------------------------------

  function startDmn(node) {
    var area = textarea(node.dataset.file);
    var modeler = new window.DmnJS({ container: node, common: { keyboard: { bindTo: window } } });
    function save() { return modeler.saveXML({ format: true }).then(function (result) { area.value = result.xml; }); }
    function watch() {
      var viewer = modeler.getActiveViewer();
      if (viewer) { viewer.on("commandStack.changed", save); }
    }
    modeler.on("views.changed", watch);
    return modeler.importXML(area.value).then(function () {
      var table = modeler.getViews().filter(function (view) { return view.type === "decisionTable"; })[0];
      if (table) { return modeler.open(table); }
    }).then(function () { watch(); collapse(area); node.dataset.ready = "true"; })
      .catch(function (error) { node.textContent = "Die Entscheidungstabelle kann nicht angezeigt werden (" + error.message + ")."; });
  }

  // Buttons the libraries put into the editors (e.g. bpmnlint's toggle) would submit the whole form.
  form.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button");
    if (button && !button.hasAttribute("type") && button.closest(".bpmn-canvas, .form-editor, .dmn-editor")) {
      button.type = "button";
    }
  }, true);

  var starts = [];
  if (typeof window.BpmnJS === "function") {
    starts.push(Promise.all([loadJson(form.dataset.spiffModdle), loadJson(form.dataset.zeebeModdle)]).then(function (descriptors) {
      var moddle = { spiffworkflow: descriptors[0], zeebe: descriptors[1] };
      return Promise.all(Array.prototype.map.call(form.querySelectorAll(".bpmn-editor"), function (block) { return startBpmn(block, moddle); }));
    }));
  }
  if (window.FormEditor && window.FormEditor.FormEditor) {
    form.querySelectorAll(".form-editor").forEach(function (node) { starts.push(startForm(node)); });
  }
  if (typeof window.DmnJS === "function") {
    form.querySelectorAll(".dmn-editor").forEach(function (node) { starts.push(startDmn(node)); });
  }
  Promise.all(starts).then(function () { form.dataset.ready = "true"; });
})();
