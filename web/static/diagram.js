// Renders the BPMN diagram of a case or definition with bpmn-js (viewer only) and marks
// completed (solid frame) and waiting (dashed frame) steps. The diagram is drawn at a
// readable size: it fills the width of the page, but is never scaled below MIN_SCALE;
// a wider diagram scrolls sideways (the surrounding region is focusable, so the keyboard
// scrolls it too). Without JavaScript the page still lists the steps as text.
(function () {
  "use strict";
  var MIN_SCALE = 0.7, MAX_SCALE = 1, PADDING = 20, MIN_HEIGHT = 200;
  var container = document.getElementById("diagramm");
  if (!container || typeof window.BpmnJS !== "function") { return; }
  var region = container.parentElement;
  var completed = JSON.parse(container.dataset.completed || "[]");
  var active = JSON.parse(container.dataset.active || "[]");
  var fallback = container.querySelector(".diagram-fallback");
  var viewer = new window.BpmnJS({ container: container });

  function fitReadable(canvas) {
    var inner = canvas.viewbox().inner;
    var width = inner.width + 2 * PADDING, height = inner.height + 2 * PADDING;
    var available = region.clientWidth || container.clientWidth;
    var scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, available / width));
    container.style.width = Math.max(available, Math.ceil(width * scale)) + "px";
    container.style.height = Math.max(MIN_HEIGHT, Math.ceil(height * scale)) + "px";
    canvas.resized();
    canvas.viewbox({ x: inner.x - PADDING, y: inner.y - PADDING,
                     width: container.clientWidth / scale, height: container.clientHeight / scale });
  }

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
      fitReadable(canvas);
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
