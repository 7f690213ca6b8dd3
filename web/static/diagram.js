// Renders the BPMN diagram of a case or definition with bpmn-js (viewer only) and marks
// completed (solid frame) and waiting (dashed frame) steps. Without JavaScript the page
// still lists the steps as text.
(function () {
  "use strict";
  var container = document.getElementById("diagramm");
  if (!container || typeof window.BpmnJS !== "function") { return; }
  var completed = JSON.parse(container.dataset.completed || "[]");
  var active = JSON.parse(container.dataset.active || "[]");
  var fallback = container.querySelector(".diagram-fallback");
  var viewer = new window.BpmnJS({ container: container });
  fetch(container.dataset.bpmnUrl, { credentials: "same-origin" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (xml) { return viewer.importXML(xml); })
    .then(function () { return showProcess(viewer, container.dataset.process); })
    .then(function () {
      if (fallback) { fallback.remove(); }
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      completed.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "done"); } });
      active.forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "active"); } });
      canvas.zoom("fit-viewport");
      container.dataset.rendered = "true";
    })
    .catch(function (error) {
      var reason = /no diagram to display/.test(error.message) ? "das Modell enthält keine Diagrammdarstellung" : error.message;
      if (fallback) { fallback.textContent = "Das Diagramm kann nicht angezeigt werden (" + reason + "). Der Ablauf steht in der Liste darunter."; }
      container.dataset.rendered = "error";
    });

  // A file with several processes (a collaboration's pools, called processes) has a diagram per
  // process or one for the collaboration: show the one that contains the case's process.
  function showProcess(viewer, processId) {
    if (!processId) { return null; }
    var diagrams = viewer.getDefinitions().diagrams || [];
    var wanted = diagrams.filter(function (diagram) {
      var element = diagram.plane && diagram.plane.bpmnElement;
      if (!element) { return false; }
      if (element.id === processId) { return true; }
      return (element.participants || []).some(function (p) { return p.processRef && p.processRef.id === processId; });
    })[0];
    if (!wanted || wanted === diagrams[0]) { return null; }
    return viewer.open(wanted.id);
  }
})();
