// Renders the diagrams of two versions side by side with bpmn-js (viewer only) and colours the
// elements that were added, changed or removed. Without JavaScript the table lists the changes.
(function () {
  "use strict";
  if (typeof window.BpmnJS !== "function") { return; }
  document.querySelectorAll(".diff-diagram").forEach(function (container) {
    var markers = JSON.parse(container.dataset.markers || "{}");
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
        Object.keys(markers).forEach(function (status) {
          markers[status].forEach(function (id) { if (registry.get(id)) { canvas.addMarker(id, "diff-" + status); } });
        });
        canvas.zoom("fit-viewport");
        container.dataset.rendered = "true";
      })
      .catch(function (error) {
        if (fallback) { fallback.textContent = "Das Diagramm kann nicht angezeigt werden (" + error.message + ")."; }
        container.dataset.rendered = "error";
      });
  });
})();
