"""The bundled procedures' form-js forms check submissions as their former JSON Schema forms did.

Each case is a submission through the API (no checkbox values left out where the JSON Schema form required
them); both forms must reduce it to the same data and report problems at the same field paths.
"""

import json
from pathlib import Path

import pytest

from engine.forms import check_submission
from engine.forms.formjs import read_form_js
from engine.forms.json_schema import read_json_schema
from tests.engine.forms.json_schema_samples import FORMS

BPMN = Path(__file__).resolve().parents[3] / "bpmn"
PERSON = {"family_name": "Müller", "given_names": "Erika", "birth_date": "1978-04-12"}
ADDRESS = {"street": "Am Markt 1", "postal_code": "19055", "city": "Schwerin"}
CASES = [
    ("baugenehmigung", "start", {"antragsteller": {"type": "person", "name": "Erika Mustermann", "address": ADDRESS},
                                 "vorhaben": {"description": "Carport"},
                                 "grundstueck": {"gemarkung": "Schwerin", "flur": "3", "flurstueck": "17/2"}}),
    ("baugenehmigung", "start", {"antragsteller": {"type": "firma", "name": "E", "address": {**ADDRESS, "postal_code": "1"},
                                                   "email": "erika@example.de"},
                                 "vorhaben": {"description": "C", "type": "Abriss"},
                                 "grundstueck": {"gemarkung": "Schwerin", "flur": "x", "flurstueck": "17/"}}),
    ("baugenehmigung", "start", {"vorhaben": {"description": "Carport"}}),
    ("baugenehmigung", "vollstaendigkeit_pruefen", {"vollstaendig": True, "gebaeudeart": "Wohngebäude",
                                                    "rohbausumme": 250000, "fehlende_unterlagen": "Statik",
                                                    "frist_tage": 14}),
    ("baugenehmigung", "vollstaendigkeit_pruefen", {"vollstaendig": False, "rohbausumme": -1}),
    ("baugenehmigung", "vollstaendigkeit_pruefen", {"vollstaendig": False, "fehlende_unterlagen": "ab",
                                                    "frist_tage": 91}),
    ("baugenehmigung", "vollstaendigkeit_pruefen", {"vollstaendig": True, "rohbausumme": -1}),
    ("baugenehmigung", "beteiligung_festlegen", {"fachbehoerden": ["Gemeinde"], "beteiligungsfrist": "P21D"}),
    ("baugenehmigung", "beteiligung_festlegen", {"fachbehoerden": ["Bauamt"], "beteiligungsfrist": "P2W"}),
    ("baugenehmigung", "stellungnahme_abgeben", {"ergebnis": "Zustimmung", "begruendung": "Keine Bedenken."}),
    ("baugenehmigung", "stellungnahme_abgeben", {"ergebnis": "Vielleicht", "begruendung": "x"}),
    ("baugenehmigung", "entscheiden", {"entscheidung": "Genehmigung", "begruendung": "Zulässig.",
                                       "auflagen": "wird verworfen", "gebuehr": 1, "stellungnahmen": []}),
    ("baugenehmigung", "entscheiden", {"entscheidung": "Genehmigung mit Auflagen", "begruendung": "Zulässig."}),
    ("baugenehmigung", "entscheiden", {"entscheidung": "Genehmigung mit Auflagen", "begruendung": "Zulässig.",
                                       "auflagen": "Rauchmelder."}),
    ("baugenehmigung", "ablehnung_freigeben", {"freigabe": "freigeben", "entscheidung": "Genehmigung"}),
    ("baugenehmigung", "ablehnung_freigeben", {"freigabe": "zurückgeben"}),
    ("baugenehmigung", "ablehnung_freigeben", {"freigabe": "zurückgeben", "freigabe_begruendung": "ab"}),
    ("baugenehmigung", "ablehnung_freigeben", {"freigabe": "vielleicht"}),
    ("baugenehmigung", "ablehnung_freigeben", {"freigabe": "freigeben", "freigabe_begruendung": "wird verworfen"}),
    ("geburt", "start", {"kind": {"sex": "weiblich", "birth_date": "2026-02-14", "birth_time": "08:12",
                                  "birth_place": "Schwerin"}, "mutter": PERSON, "anzeigende_stelle": "Klinik"}),
    ("geburt", "start", {"kind": {"sex": "weiblich", "birth_date": "2026-02-31", "birth_time": "8:12",
                                  "birth_place": "Schwerin"}, "mutter": {**PERSON, "family_name": "M4ller"},
                         "vater": {"family_name": "Müller"}, "anzeigende_stelle": "K"}),
    ("geburt", "start", {"kind": {"sex": "weiblich", "birth_date": "2026-02-14", "birth_place": "Schwerin"},
                         "mutter": PERSON, "vater": {**PERSON, "given_names": "Max"}, "anzeigende_stelle": "Klinik"}),
    ("geburt", "start", {"anzeigende_stelle": "Klinik"}),
    ("geburt", "anzeige_pruefen", {"identitaet_geprueft": True, "nachweise": ["Sorgeerklärung"],
                                   "vater_eintragen": False}),
    ("geburt", "anzeige_pruefen", {"identitaet_geprueft": False, "nachweise": [], "vater_eintragen": True}),
    ("geburt", "wohnsitz_klaeren", {"wohnsitz": "Am Markt 1, Schwerin", "klaerung": "Telefonisch."}),
    ("geburt", "wohnsitz_klaeren", {"wohnsitz": "Am", "klaerung": ""}),
    ("geburt", "namen_bestimmen", {"vornamen": ["Lena", "Marie"], "familienname": "Müller",
                                   "namensgrundlage": "Ehename der Eltern (§ 1616 BGB)"}),
    ("geburt", "namen_bestimmen", {"vornamen": ["Lena", "M4rie"], "familienname": "Müller",
                                   "namensgrundlage": "Ehename der Eltern (§ 1616 BGB)"}),
    ("geburt", "namen_bestimmen", {"vornamen": [], "familienname": "Müller 2", "namensgrundlage": "x"}),
    ("geburt", "namen_bestimmen", {"vornamen": ["A", "B", "C", "D", "E", "F"], "familienname": "Ab",
                                   "namensgrundlage": "Ehename der Eltern (§ 1616 BGB)"}),
    ("eheschliessung", "start", {"partner_1": {**PERSON, "address": ADDRESS}, "partner_2": PERSON}),
    ("eheschliessung", "start", {"partner_1": PERSON, "partner_2": {"family_name": "Yılmaz"}}),
    ("eheschliessung", "start", {"partner_1": {**PERSON, "address": {"street": "Am Markt 1"}}, "partner_2": PERSON}),
    ("eheschliessung", "unterlagen_pruefen", {"vollstaendig": True, "fehlende_unterlagen": "verworfen"}),
    ("eheschliessung", "unterlagen_pruefen", {"vollstaendig": False}),
    ("eheschliessung", "unterlagen_pruefen", {"vollstaendig": False, "fehlende_unterlagen": "Urkunde",
                                              "frist_tage": 181}),
    ("eheschliessung", "termin_festlegen", {"trautermin": "2026-06-12", "uhrzeit": "11:30",
                                            "trauort": "Rathaus, Festsaal"}),
    ("eheschliessung", "termin_festlegen", {"trautermin": "12.06.2026", "uhrzeit": "11:30:00", "trauort": "Strand"}),
    ("eheschliessung", "trauung_durchfuehren", {"eheschliessung_erfolgt": True, "ehename": "Schulz",
                                                "trauzeugen": ["Sophie Krüger", "Jens Petersen"]}),
    ("eheschliessung", "trauung_durchfuehren", {"eheschliessung_erfolgt": False}),
    ("eheschliessung", "trauung_durchfuehren", {"eheschliessung_erfolgt": True, "ehename": "Schulz 2",
                                                "trauzeugen": ["Jo", "A B", "C D"], "grund": "verworfen"}),
]


def _form_js(procedure: str, element: str):
    return read_form_js(json.loads((BPMN / procedure / f"{element}.form").read_text(encoding="utf-8")))


@pytest.mark.parametrize("procedure, element, data", CASES)
def test_form_js_form_checks_like_the_former_json_schema_form(procedure, element, data):
    old_data, old_problems = check_submission(read_json_schema(FORMS[(procedure, element)]), data)
    new_data, new_problems = check_submission(_form_js(procedure, element), data)
    assert new_data == old_data
    assert sorted({p.path for p in new_problems}) == sorted({p.path for p in old_problems})
    old_messages = {p.path: p.german for p in old_problems if not p.german.startswith("Ungültiger Wert")}
    assert {p.path: p.german for p in new_problems if p.path in old_messages} == old_messages


@pytest.mark.parametrize("procedure, element", sorted(FORMS))
def test_every_former_form_has_its_form_js_file(procedure, element):
    assert _form_js(procedure, element).form_id == element
