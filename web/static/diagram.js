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
      if (fallback) { fallback.textContent = "Das Diagramm kann nicht angezeigt werden (" + error.message + ")."; }
      container.dataset.rendered = "error";
    });
})();
