// bpmnlint in the BPMN editor: a selection of bpmnlint's own rules (with German messages) plus the
// rule "aktenfluss/engine", which reports what the engine's validator found in the current model
// (the editor asks the server after each change, see web/static/editor/package-editor.js).
// Bundled by `npm run build` into node_modules/.aktenfluss-build/aktenfluss-lint.js (never committed).
import lintModule from 'bpmn-js-bpmnlint';
import conditionalFlows from 'bpmnlint/rules/conditional-flows';
import endEventRequired from 'bpmnlint/rules/end-event-required';
import fakeJoin from 'bpmnlint/rules/fake-join';
import labelRequired from 'bpmnlint/rules/label-required';
import linkEvent from 'bpmnlint/rules/link-event';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway';
import noDisconnected from 'bpmnlint/rules/no-disconnected';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split';
import startEventRequired from 'bpmnlint/rules/start-event-required';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway';

const RULES = {
  'conditional-flows': [conditionalFlows, 'error', 'Ein Fluss aus einem Gateway braucht eine Bedingung (oder ist der Standardfluss).'],
  'end-event-required': [endEventRequired, 'error', 'Der Prozess braucht ein Endereignis.'],
  'fake-join': [fakeJoin, 'warn', 'Mehrere eingehende Flüsse ohne Gateway: bitte ein Gateway verwenden.'],
  'label-required': [labelRequired, 'warn', 'Das Element hat keinen Namen.'],
  'link-event': [linkEvent, 'error', 'Link-Ereignisse unterstützt die Engine nicht.'],
  'no-complex-gateway': [noComplexGateway, 'error', 'Komplexe Gateways unterstützt die Engine nicht.'],
  'no-disconnected': [noDisconnected, 'error', 'Das Element ist mit nichts verbunden.'],
  'no-duplicate-sequence-flows': [noDuplicateSequenceFlows, 'error', 'Doppelter Sequenzfluss.'],
  'no-implicit-split': [noImplicitSplit, 'error', 'Mehrere ausgehende Flüsse ohne Gateway: bitte ein paralleles Gateway verwenden.'],
  'start-event-required': [startEventRequired, 'error', 'Der Prozess braucht ein Startereignis.'],
  'superfluous-gateway': [superfluousGateway, 'warn', 'Das Gateway hat nur einen ein- und einen ausgehenden Fluss.']
};

let engineFindings = [];

function engineRule() {
  return {
    check(node, reporter) {
      if (!node.id) { return; }
      // Findings without an element go to the collaboration if there is one, else to the process.
      const hasCollaboration = node.$parent && (node.$parent.rootElements || []).some((e) => e.$type === 'bpmn:Collaboration');
      const isRoot = node.$type === 'bpmn:Collaboration' || (node.$type === 'bpmn:Process' && !hasCollaboration);
      engineFindings.forEach((finding) => {
        if (finding.element_id === node.id || (isRoot && finding.root)) {
          reporter.report(node.id, finding.message);
        }
      });
    }
  };
}

function german(ruleFactory, text) {
  return function(config) {
    const rule = ruleFactory(config);
    return {
      ...rule,
      check(node, reporter) {
        return rule.check(node, { report: (id, message, details) => reporter.report(id, text || message, details) });
      }
    };
  };
}

export function linterConfig() {
  const rules = { 'aktenfluss/engine': 'error' };
  Object.keys(RULES).forEach((name) => { rules[name] = RULES[name][1]; });
  return {
    config: { rules },
    resolver: {
      resolveRule(pkg, name) {
        if (pkg === 'bpmnlint-plugin-aktenfluss' && name === 'engine') { return engineRule; }
        const rule = RULES[name];
        return rule ? german(rule[0], rule[2]) : null;
      },
      resolveConfig() { return null; }
    }
  };
}

// findings: [{element_id, message, root}] from the engine's validation of the current model.
export function setEngineFindings(findings) {
  engineFindings = findings || [];
}

window.AktenflussLint = { module: lintModule, linterConfig, setEngineFindings };
