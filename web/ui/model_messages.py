"""Model validation problems in German for the modellers' page.

The engine (engine/loader.py, engine/validation.py) words its problems in
English; the REST API returns them unchanged, so scripts that read them keep
working. Here each known wording is matched and said in German; file, line
and element id stay as they are. A message no pattern knows is shown as
"technical message" in the original words, so nothing is ever hidden.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ELEMENT_KINDS = {
    "exclusive gateway": "Das exklusive Gateway", "inclusive gateway": "Das inklusive Gateway",
    "parallel gateway": "Das parallele Gateway", "complex gateway": "Das komplexe Gateway",
    "userTask": "Die Benutzeraufgabe", "task": "Die Aufgabe", "scriptTask": "Der Skript-Task",
    "serviceTask": "Der Service-Task", "businessRuleTask": "Der Business-Rule-Task", "manualTask": "Die manuelle Aufgabe",
    "sendTask": "Der Sende-Task", "receiveTask": "Der Empfangs-Task", "callActivity": "Die Aufrufaktivität",
    "subProcess": "Der Teilprozess", "intermediateCatchEvent": "Das Zwischenereignis",
    "intermediateThrowEvent": "Das auslösende Zwischenereignis", "boundaryEvent": "Das Randereignis",
    "endEvent": "Das Endereignis", "transaction": "Die Transaktion", "adHocSubProcess": "Der Ad-hoc-Teilprozess",
}
SCRIPT_PLACES = {
    "condition": "Die Bedingung", "loop condition": "Die Schleifenbedingung",
    "completion condition": "Die Abschlussbedingung", "loop cardinality": "Die Anzahl der Durchläufe",
    "timer expression": "Der Zeitausdruck", "script": "Das Skript", "pre-script": "Das Vorab-Skript",
    "post-script": "Das Nachher-Skript", "DMN expression": "Der DMN-Ausdruck",
}
XML_ERRORS = (
    (r"^Opening and ending tag mismatch: (\S+) line (\d+) and (\S+)",
     lambda m: f"Start- und End-Tag passen nicht zusammen: <{m[1]}> aus Zeile {m[2]} wird mit </{m[3]}> geschlossen"),
    (r"^Premature end of data in tag (\S+) line (\d+)",
     lambda m: f"Die Datei endet mitten im Element <{m[1]}> (begonnen in Zeile {m[2]})"),
    (r"^Couldn't find end of Start Tag (\S+)", lambda m: f"Das Start-Tag <{m[1]}> ist nicht abgeschlossen"),
    (r"^Extra content at the end of the document", lambda m: "Nach dem Ende des Dokuments folgt weiterer Inhalt"),
    (r"^Document is empty", lambda m: "Die Datei ist leer"),
    (r"^Specification mandates value for attribute (\S+)", lambda m: f"Dem Attribut „{m[1]}“ fehlt der Wert"),
    (r"^Start tag expected", lambda m: "Die Datei beginnt nicht mit einem XML-Element"),
    (r"^StartTag: invalid element name", lambda m: "Ein Elementname ist ungültig"),
    (r"^(?:attributes construct error|AttValue: \" or ' expected)", lambda m: "Ein Attribut ist fehlerhaft geschrieben"),
    (r"^Namespace prefix (\S+) .*is not defined", lambda m: f"Das Namensraum-Präfix „{m[1]}“ ist nicht deklariert"),
)


def _label(raw: str) -> str:
    """Turn "exclusive gateway 'gw'" or "userTask 'x'" into German."""
    match = re.match(r"^(.*?) '([^']*)'$", raw)
    if not match:
        return raw
    return f"{ELEMENT_KINDS.get(match[1], f'Das Element ({match[1]})')} „{match[2]}“"


SCRIPT_RULES = (
    (r"^import statements are not allowed", lambda m: "Importe sind nicht erlaubt"),
    (r"^class definitions are not allowed", lambda m: "Klassendefinitionen sind nicht erlaubt"),
    (r"^generator functions \(yield\) are not allowed", lambda m: "Generatorfunktionen (yield) sind nicht erlaubt"),
    (r"^async code is not allowed", lambda m: "asynchroner Code ist nicht erlaubt"),
    (r"^name '([^']+)' is not allowed", lambda m: f"der Name „{m[1]}“ ist nicht erlaubt"),
    (r"^name '([^']+)' is reserved", lambda m: f"der Name „{m[1]}“ ist reserviert"),
    (r"^access to '([^']+)' is not allowed", lambda m: f"der Zugriff auf „{m[1]}“ ist nicht erlaubt"),
    (r"^access to module attributes is not allowed", lambda m: "der Zugriff auf Attribute von Modulen ist nicht erlaubt"),
    (r"^assigning or deleting attribute '([^']+)' is not allowed",
     lambda m: f"das Attribut „{m[1]}“ darf nicht gesetzt oder gelöscht werden"),
    (r"^calling '([^']+)' is not allowed", lambda m: f"der Aufruf von „{m[1]}“ ist nicht erlaubt"),
    (r"^computed format specifications in f-strings are not allowed",
     lambda m: "berechnete Formatangaben in f-Strings sind nicht erlaubt"),
    (r"^format width in f-string is too large", lambda m: "die Formatbreite im f-String ist zu groß"),
    (r"^syntax error: (.*)$", lambda m: f"kein gültiger Python-Code (technisch: {m[1]})"),
)


def _script_problem(detail: str) -> str:
    line = ""
    if match := re.match(r"^line (\d+): (.*)$", detail, re.DOTALL):
        line, detail = f" (Zeile {match[1]})", match[2]
    for pattern, text in SCRIPT_RULES:
        if match := re.match(pattern, detail, re.DOTALL):
            return text(match) + line
    return f"in der Ausführungsumgebung nicht erlaubt (technisch: {detail}){line}"


def _place(what: str) -> str:
    if match := re.match(r"^parameter '([^']+)' of service task$", what):
        return f"Der Parameter „{match[1]}“ des Service-Tasks"
    return SCRIPT_PLACES.get(what, f"Der Ausdruck ({what})")


def _xml(detail: str) -> str:
    detail = re.sub(r", line \d+, column \d+$", "", detail)  # the line is in its own column
    for pattern, text in XML_ERRORS:
        if match := re.search(pattern, detail):
            return f"Die Datei ist kein wohlgeformtes XML: {text(match)}."
    return f"Die Datei ist kein wohlgeformtes XML (technisch: {detail})."


PATTERNS: tuple[tuple[str, Callable[[re.Match], str]], ...] = (
    (r"^not well-formed XML: (.*)$", lambda m: _xml(m[1])),
    (r"^DOCTYPE declarations are not allowed", lambda m: (
        "DOCTYPE-Deklarationen sind in Modellen nicht erlaubt (Entitäten könnten sich vervielfachen oder "
        "fremde Inhalte nachladen).")),
    (r"^cannot read XML: (.*)$", lambda m: f"Die Datei lässt sich nicht als XML lesen (technisch: {m[1]})."),
    (r"^no model files given$", lambda m: "Es wurde keine Modelldatei übergeben."),
    (r"^model files are (\d+) bytes in total; the limit is (\d+)$",
     lambda m: f"Die Modelldateien sind zusammen {m[1]} Byte groß; erlaubt sind höchstens {m[2]} Byte."),
    (r"^only \.bpmn and \.dmn files are accepted$", lambda m: "Es werden nur .bpmn- und .dmn-Dateien angenommen."),
    (r"^the file name has (\d+) characters; the limit is (\d+)$",
     lambda m: f"Der Dateiname hat {m[1]} Zeichen; erlaubt sind höchstens {m[2]}."),
    (r"^file content must be bytes$", lambda m: "Der Inhalt der Datei ist nicht lesbar."),
    (r"^file is (\d+) bytes; the limit is (\d+)$",
     lambda m: f"Die Datei ist {m[1]} Byte groß; erlaubt sind höchstens {m[2]} Byte."),
    (r"^root element is '([^']*)', expected '([^']*)'$",
     lambda m: f"Das Wurzelelement ist „{m[1]}“; erwartet wird „{m[2]}“."),
    (r"^not a BPMN 2\.0 file \(namespace '([^']*)'\)$",
     lambda m: "Das ist keine BPMN-2.0-Datei (" + ("ohne Namensraum" if m[1] == "None" else f"Namensraum „{m[1]}“") + ")."),
    (r"^DMN file declares no decision$", lambda m: "Die DMN-Datei enthält keine Entscheidung (decision)."),
    (r"^DMN file declares several decisions \((.*)\); only one per file is supported$",
     lambda m: f"Die DMN-Datei enthält mehrere Entscheidungen ({m[1]}); je Datei ist nur eine erlaubt."),
    (r"^sequence flow '([^']*)' has (sourceRef|targetRef) '([^']*)' that is no element of the same process$",
     lambda m: f"Der Sequenzfluss „{m[1]}“ verweist als {'Quelle' if m[2] == 'sourceRef' else 'Ziel'} auf "
               f"„{m[3]}“; das ist kein Element desselben Prozesses."),
    (r"^process '([^']*)' has no start event$", lambda m: f"Der Prozess „{m[1]}“ hat kein Startereignis."),
    (r"^(.*) has an outgoing flow '([^']*)' without condition and is not the default$",
     lambda m: f"{_label(m[1])} hat einen ausgehenden Fluss „{m[2]}“ ohne Bedingung, der nicht der Standardfluss ist."),
    (r"^(.*) has (\d+) outgoing flows without a gateway",
     lambda m: f"{_label(m[1])} hat {m[2]} ausgehende Flüsse ohne Gateway. Eine Verzweigung ohne Gateway wird "
               "nicht unterstützt; fügen Sie ein paralleles Gateway ein."),
    (r"^sequence flow '([^']*)' from (.*) has a condition; conditions are only supported",
     lambda m: f"Der Sequenzfluss „{m[1]}“ hat eine Bedingung, kommt aber nicht aus einem Gateway "
               f"({_label(m[2])}). Bedingungen sind nur an Flüssen aus exklusiven oder inklusiven Gateways erlaubt."),
    (r"^(compensation|link) event '([^']*)' \(([^)]*)\) is not supported$",
     lambda m: f"Das {'Kompensations' if m[1] == 'compensation' else 'Link'}-Ereignis „{m[2]}“ ({m[3]}) wird "
               "nicht unterstützt."),
    (r"^element type '([^']*)' \('([^']*)'\) is not supported$",
     lambda m: f"Der Elementtyp „{m[1]}“ („{m[2]}“) wird nicht unterstützt."),
    (r"^(.* '[^']*') is not supported$", lambda m: f"{_label(m[1])} wird nicht unterstützt."),
    (r"^service task '([^']*)' has no operation name",
     lambda m: f"Der Service-Task „{m[1]}“ nennt keine Operation (spiffworkflow:serviceTaskOperator id)."),
    (r"^service task '([^']*)' uses unknown operation '([^']*)'$",
     lambda m: f"Der Service-Task „{m[1]}“ ruft die unbekannte Operation „{m[2]}“ auf."),
    (r"^business rule task '([^']*)' has no spiffworkflow:calledDecisionId( \(camunda:decisionRef)?",
     lambda m: f"Der Business-Rule-Task „{m[1]}“ nennt keine Entscheidung (spiffworkflow:calledDecisionId)"
               + ("; camunda:decisionRef wird nicht unterstützt." if m[2] else ".")),
    (r"^business rule task '([^']*)' calls decision '([^']*)' that no DMN file provides \(available: (.*)\)$",
     lambda m: f"Der Business-Rule-Task „{m[1]}“ ruft die Entscheidung „{m[2]}“ auf, die keine DMN-Datei enthält "
               f"(vorhanden: {'keine' if m[3] == 'none' else m[3]})."),
    (r"^script task '([^']*)' has no script$", lambda m: f"Der Skript-Task „{m[1]}“ enthält kein Skript."),
    (r"^(.*) of '([^']*)' is rejected: (.*)$",
     lambda m: f"{_place(m[1])} von „{m[2]}“ wird abgelehnt: {_script_problem(m[3])}."),
    (r"^timer start event '([^']*)': its expression cannot use case data",
     lambda m: f"Das Zeit-Startereignis „{m[1]}“ kann keine Falldaten verwenden: Vor dem Start hat ein Vorgang keine."),
    (r"^timer start event '([^']*)': (.*)$",
     lambda m: f"Das Zeit-Startereignis „{m[1]}“ hat einen ungültigen Zeitausdruck (technisch: {m[2]})."),
    (r"^process '([^']*)' is not executable",
     lambda m: f"Der Prozess „{m[1]}“ ist nicht ausführbar; setzen Sie isExecutable=\"true\"."),
    (r"^call activity '([^']*)' calls process '([^']*)' that no file provides$",
     lambda m: f"Die Aufrufaktivität „{m[1]}“ ruft den Prozess „{m[2]}“ auf, den keine der Dateien enthält."),
    (r"^call activity '([^']*)' has no calledElement$",
     lambda m: f"Die Aufrufaktivität „{m[1]}“ nennt keinen aufzurufenden Prozess (calledElement)."),
    (r"^no executable process found$", lambda m: "Das Modell enthält keinen ausführbaren Prozess."),
    (r"^ambiguous model: processes (.*) are all executable",
     lambda m: f"Mehrere Prozesse sind ausführbar und werden nicht voneinander aufgerufen ({m[1]}); "
               "lassen Sie einen Hauptprozess übrig."),
    (r"^no \.bpmn file given$", lambda m: "Es wurde keine .bpmn-Datei übergeben."),
)
_COMPILED = tuple((re.compile(pattern, re.DOTALL), text) for pattern, text in PATTERNS)


def german(message: str) -> str:
    """Return a model problem's message in German (the original as technical message if the wording is unknown)."""
    for pattern, text in _COMPILED:
        match = pattern.search(message)
        if match:
            return text(match)
    return f"Das Modell kann so nicht ausgeführt werden (technische Meldung: {message})."
