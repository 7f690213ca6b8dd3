// The properties of the selected BPMN element, as a plain HTML form beside the diagram: its name, the
// form of a user task (zeebe:formDefinition formId, as Camunda Modeler links forms) and the group that
// gets it (spiffworkflow:property candidateGroup; a lane does the same for all its tasks), the operation of
// a service task with its parameters and result variable (spiffworkflow:serviceTaskOperator), and the
// condition of a flow out of a gateway. Changes go through bpmn-js's modeling (undo works).
(function () {
  "use strict";

  var DOCUMENT_OPERATION = "eakte.dokument";
  var counter = 0;

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attributes[key]; } else { node.setAttribute(key, attributes[key]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function field(label, control, hint) {
    counter += 1;
    control.id = "eigenschaft-" + counter;
    var children = [el("label", { "class": "kern-label", "for": control.id, text: label })];
    if (hint) {
      var hintNode = el("div", { "class": "kern-hint hint", id: control.id + "-hinweis", text: hint });
      control.setAttribute("aria-describedby", hintNode.id);
      children.push(hintNode);
    }
    control.classList.add(control.tagName === "SELECT" ? "kern-form-input__select" : "kern-form-input__input");
    children.push(control.tagName === "SELECT" ? el("div", { "class": "kern-form-input__select-wrapper" }, [control]) : control);
    return el("div", { "class": "kern-form-input" }, children);
  }

  function select(options, value) {
    var node = el("select");
    options.forEach(function (option) {
      var item = el("option", { value: option.value, text: option.label });
      if (option.value === value) { item.selected = true; }
      node.appendChild(item);
    });
    return node;
  }

  function is(element, type) {
    var bo = element.businessObject;
    return bo && typeof bo.$instanceOf === "function" && bo.$instanceOf(type);
  }

  function extensionValues(bo) {
    return (bo.extensionElements && bo.extensionElements.values) || [];
  }

  function PropertiesPanel(modeler, container, context) {
    this.modeler = modeler;
    this.container = container;
    this.context = context; // {operations, forms(), templates()}
    var self = this;
    modeler.on("selection.changed", function (event) {
      self.render(event.newSelection.length === 1 ? event.newSelection[0] : null);
    });
  }

  PropertiesPanel.prototype.render = function (element) {
    var container = this.container;
    container.innerHTML = "";
    container.appendChild(el("h3", { "class": "kern-heading-small", text: "Eigenschaften" }));
    if (!element || element.type === "label") {
      container.appendChild(el("p", { "class": "hint", text: "Bitte ein Element im Diagramm wählen." }));
      return;
    }
    var bo = element.businessObject;
    container.appendChild(el("p", { "class": "hint", text: "Element " + bo.id + " (" + bo.$type.replace("bpmn:", "") + ")" }));
    this.nameField(element);
    if (is(element, "bpmn:UserTask")) { this.formField(element); this.groupField(element); }
    if (is(element, "bpmn:ServiceTask")) { this.serviceFields(element); }
    if (is(element, "bpmn:SequenceFlow") && bo.sourceRef &&
        (bo.sourceRef.$instanceOf("bpmn:ExclusiveGateway") || bo.sourceRef.$instanceOf("bpmn:InclusiveGateway"))) {
      this.conditionField(element);
    }
  };

  PropertiesPanel.prototype.nameField = function (element) {
    var modeling = this.modeler.get("modeling");
    var input = el("input", { type: "text" });
    input.value = element.businessObject.name || "";
    input.addEventListener("change", function () { modeling.updateLabel(element, input.value); });
    var label = is(element, "bpmn:Lane") ? "Name der Lane (Gruppe, die die Aufgaben bekommt)" : "Name";
    this.container.appendChild(field(label, input));
  };

  PropertiesPanel.prototype.formField = function (element) {
    var modeler = this.modeler;
    var bo = element.businessObject;
    var current = extensionValues(bo).filter(function (v) { return v.$type === "zeebe:FormDefinition"; })[0];
    var options = [{ value: "", label: "– kein Formular –" }].concat(this.context.forms().map(function (form) {
      return { value: form.id, label: form.id + " (" + form.file + ")" };
    }));
    var control = select(options, current ? current.formId : "");
    control.addEventListener("change", function () {
      var moddle = modeler.get("moddle");
      var others = extensionValues(bo).filter(function (v) { return v.$type !== "zeebe:FormDefinition"; });
      if (control.value) { others.push(moddle.create("zeebe:FormDefinition", { formId: control.value })); }
      var extensions = moddle.create("bpmn:ExtensionElements", { values: others });
      modeler.get("modeling").updateProperties(element, { extensionElements: extensions });
    });
    this.container.appendChild(field("Formular", control, "Das Formular, das die Bearbeiterin ausfüllt (Abschnitt Formulare)."));
  };

  PropertiesPanel.prototype.groupField = function (element) {
    var modeler = this.modeler;
    var bo = element.businessObject;
    function properties() {
      var holder = extensionValues(bo).filter(function (v) { return v.$type === "spiffworkflow:Properties"; })[0];
      return holder && holder.properties ? holder.properties : [];
    }
    var current = properties().filter(function (p) { return p.name === "candidateGroup"; })[0];
    var input = el("input", { type: "text" });
    input.value = current ? current.value || "" : "";
    input.addEventListener("change", function () {
      var moddle = modeler.get("moddle");
      var kept = properties().filter(function (p) { return p.name !== "candidateGroup"; });
      if (input.value.trim()) {
        kept = kept.concat([moddle.create("spiffworkflow:Property", { name: "candidateGroup", value: input.value.trim() })]);
      }
      var values = extensionValues(bo).filter(function (v) { return v.$type !== "spiffworkflow:Properties"; });
      if (kept.length) { values.push(moddle.create("spiffworkflow:Properties", { properties: kept })); }
      modeler.get("modeling").updateProperties(element, { extensionElements: moddle.create("bpmn:ExtensionElements", { values: values }) });
    });
    this.container.appendChild(field("Gruppe", input,
      "Die Gruppe, in deren Aufgabenliste die Aufgabe erscheint, z. B. Sachbearbeitung (sonst die der Lane)."));
  };

  PropertiesPanel.prototype.serviceFields = function (element) {
    var modeler = this.modeler;
    var self = this;
    var bo = element.businessObject;
    var operator = extensionValues(bo).filter(function (v) { return v.$type === "spiffworkflow:ServiceTaskOperator"; })[0];
    var params = operator && operator.parameterList ? operator.parameterList.parameters || [] : [];
    var options = [{ value: "", label: "– bitte wählen –" }].concat(this.context.operations.map(function (op) {
      return { value: op.name, label: op.label + (op.label !== op.name ? " (" + op.name + ")" : "") };
    }));
    var operation = select(options, operator ? operator.id : "");
    var result = el("input", { type: "text" });
    result.value = operator && operator.resultVariable ? operator.resultVariable : "";
    var template = select([{ value: "", label: "– bitte wählen –" }].concat(this.context.templates().map(function (name) {
      return { value: name, label: name };
    })), valueOf(params, "vorlage", true));
    var others = el("textarea", { rows: "3", spellcheck: "false" });
    others.value = params.filter(function (p) { return operation.value !== DOCUMENT_OPERATION || p.id !== "vorlage"; })
      .map(function (p) { return p.id + " = " + p.value; }).join("\n");

    function store() {
      var moddle = modeler.get("moddle");
      var list = [];
      if (operation.value === DOCUMENT_OPERATION && template.value) {
        list.push(moddle.create("spiffworkflow:Parameter", { id: "vorlage", type: "str", value: JSON.stringify(template.value) }));
      }
      others.value.split("\n").forEach(function (line) {
        var at = line.indexOf("=");
        if (at > 0 && line.slice(0, at).trim()) {
          list.push(moddle.create("spiffworkflow:Parameter", { id: line.slice(0, at).trim(), type: "any", value: line.slice(at + 1).trim() }));
        }
      });
      var rest = extensionValues(bo).filter(function (v) { return v.$type !== "spiffworkflow:ServiceTaskOperator"; });
      if (operation.value) {
        rest.push(moddle.create("spiffworkflow:ServiceTaskOperator", {
          id: operation.value, resultVariable: result.value.trim() || undefined,
          parameterList: moddle.create("spiffworkflow:Parameters", { parameters: list })
        }));
      }
      modeler.get("modeling").updateProperties(element, { extensionElements: moddle.create("bpmn:ExtensionElements", { values: rest }) });
    }

    operation.addEventListener("change", function () { store(); self.render(element); });
    [result, template, others].forEach(function (control) { control.addEventListener("change", store); });
    this.container.appendChild(field("Aufruf", operation, "Was die Serviceaufgabe tut."));
    if (operation.value === DOCUMENT_OPERATION) {
      this.container.appendChild(field("Vorlage", template, "Die Dokumentvorlage (Abschnitt Dokumentvorlagen)."));
    }
    var chosen = this.context.operations.filter(function (op) { return op.name === operation.value; })[0];
    var hint = "Je Zeile: Name = Ausdruck, z. B. name = antragsteller[\"name\"]";
    if (chosen && chosen.inputs && chosen.inputs.length) { hint += ". Erwartet: " + chosen.inputs.join(", "); }
    this.container.appendChild(field("Weitere Parameter", others, hint));
    this.container.appendChild(field("Ergebnis speichern unter", result, "Name der Variablen für das Ergebnis, z. B. bescheid."));
  };

  PropertiesPanel.prototype.conditionField = function (element) {
    var modeler = this.modeler;
    var bo = element.businessObject;
    var input = el("input", { type: "text", spellcheck: "false" });
    input.value = bo.conditionExpression ? bo.conditionExpression.body || "" : "";
    input.addEventListener("change", function () {
      var expression = input.value.trim() ?
        modeler.get("moddle").create("bpmn:FormalExpression", { body: input.value.trim() }) : undefined;
      modeler.get("modeling").updateProperties(element, { conditionExpression: expression });
    });
    this.container.appendChild(field("Bedingung", input, "Python-Ausdruck über die Falldaten, z. B. genehmigt == True"));
  };

  function valueOf(params, id, literal) {
    var found = params.filter(function (p) { return p.id === id; })[0];
    if (!found) { return ""; }
    if (!literal) { return found.value; }
    try { return JSON.parse(found.value); } catch (error) { return found.value.replace(/^["']|["']$/g, ""); }
  }

  window.AktenflussBpmnProperties = PropertiesPanel;
})();
