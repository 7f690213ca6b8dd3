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
      if (fallback) { fallback.textContent = "Das Diagramm kann nicht angezeigt werden (" + error.message + ")."; }
      container.dataset.rendered = "error";
    });
})();
