// Hides form fields whose condition (data-zeigen-wenn, computed by the server from the form) is false,
// and shows them again as soon as it holds. Without JavaScript every field stays visible with a hint saying
// when it applies; the server ignores the values of fields that do not apply either way.
(function () {
  "use strict";

  function germanNumber(text) {
    var cleaned = String(text).replace(/[\s\u00a0\u202f€]/g, "").replace(/\./g, "").replace(",", ".");
    return cleaned === "" || isNaN(Number(cleaned)) ? null : Number(cleaned);
  }

  function valueOf(form, path) {
    var inputs = Array.prototype.filter.call(form.elements, function (el) { return el.name === path; });
    if (inputs.length === 0) { return null; }
    var first = inputs[0];
    if (first.type === "checkbox" && inputs.length === 1 && !first.hasAttribute("value")) { return first.checked; }
    if (first.type === "checkbox") {
      return inputs.filter(function (el) { return el.checked; }).map(function (el) { return el.value; });
    }
    if (first.type === "radio") {
      var chosen = inputs.filter(function (el) { return el.checked; })[0];
      return chosen ? chosen.value : null;
    }
    return first.value === "" ? null : first.value;
  }

  function operand(form, node) {
    return Object.prototype.hasOwnProperty.call(node, "path") ? valueOf(form, node.path) : node.value;
  }

  function compare(a, op, b) {
    if (typeof b === "number" && typeof a === "string") { a = germanNumber(a); }
    if (typeof a === "number" && typeof b === "string") { b = germanNumber(b); }
    if (op === "=") { return a === b; }
    if (op === "!=") { return a !== b; }
    if (a === null || b === null) { return null; }
    return { "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b }[op];
  }

  function evaluate(form, node) {
    switch (node.op) {
      case "const": return node.value;
      case "truthy": { var v = valueOf(form, node.path); return typeof v === "boolean" ? v : null; }
      case "in": { var value = valueOf(form, node.path); return node.values.indexOf(value) >= 0; }
      case "contains": {
        var list = valueOf(form, node.path);
        return Array.isArray(list) && list.indexOf(String(node.values[0])) >= 0;
      }
      case "not": { var inner = evaluate(form, node.item); return inner === null ? null : !inner; }
      case "and": {
        var results = node.items.map(function (item) { return evaluate(form, item); });
        return results.indexOf(false) >= 0 ? false : (results.indexOf(null) >= 0 ? null : true);
      }
      case "or": {
        var found = node.items.map(function (item) { return evaluate(form, item); });
        return found.indexOf(true) >= 0 ? true : (found.indexOf(null) >= 0 ? null : false);
      }
      default: return compare(operand(form, node.left), node.op, operand(form, node.right));
    }
  }

  function update(form) {
    Array.prototype.forEach.call(form.querySelectorAll("[data-zeigen-wenn]"), function (field) {
      var condition;
      try { condition = JSON.parse(field.getAttribute("data-zeigen-wenn")); } catch (e) { return; }
      field.hidden = evaluate(form, condition) !== true;
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    if (!form.querySelector("[data-zeigen-wenn]")) { return; }
    form.addEventListener("input", function () { update(form); });
    form.addEventListener("change", function () { update(form); });
    update(form);
  });
}());
