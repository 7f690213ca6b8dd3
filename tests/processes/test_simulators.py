"""Specialist-system simulators: realistic answers, API key, failure modes and recovery, via the real connector."""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from engine.connectors.config import ConnectorConfig
from engine.connectors.http import ConnectorError, call_endpoint
from processes.simulators import start_simulators

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def simulators():
    with start_simulators() as running:
        yield running


@pytest.fixture(autouse=True)
def healthy(simulators):
    yield
    for name in simulators.urls():
        control(simulators, name, {"mode": "ok"})


def call(simulators, name, path, body=None, key=None, method=None, timeout=5):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(simulators.url(name) + path, data=data, method=method,
                                     headers={"X-API-Key": simulators.api_key if key is None else key,
                                              "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)


def control(simulators, name, body):
    status, state = call(simulators, name, "/_control", body)
    assert status == 200, state
    return state


def test_land_register_parcel_lookup(simulators):
    status, parcel = call(simulators, "alkis", "/flurstuecke?gemarkung=Schwerin&flur=3&flurstueck=17/2")
    assert status == 200 and parcel["found"] is True
    assert parcel["owner"] == "Erika Müller" and parcel["area_m2"] == 742 and parcel["land_use"] == "Wohnbaufläche"
    status, parcel = call(simulators, "alkis", "/flurstuecke", {"gemarkung": "Ludwigslust", "flur": "005",
                                                                 "flurstueck": "112 / 4"})
    assert status == 200 and parcel["owner"] == "Jens Petersen" and parcel["flur"] == "5"
    assert call(simulators, "alkis", "/flurstuecke?gemarkung=Schwerin&flur=99&flurstueck=1")[1]["found"] is False
    status, problem = call(simulators, "alkis", "/flurstuecke?gemarkung=Schwerin")
    assert status == 400 and "flur, flurstueck" in problem["message"]


def test_zoning_lookup(simulators):
    status, plan = call(simulators, "bauleitplanung", "/bebauungsplaene?gemarkung=Schwerin&flur=3&flurstueck=17/2")
    assert status == 200 and plan["found"] is True
    assert (plan["zone_type"], plan["zone_label"], plan["grz"], plan["gfz"], plan["max_storeys"]) == (
        "WA", "Allgemeines Wohngebiet", 0.4, 0.8, 2)
    query = urllib.parse.urlencode({"gemarkung": "Görries", "flur": "1", "flurstueck": "88/3"})
    _, plan = call(simulators, "bauleitplanung", f"/bebauungsplaene?{query}")
    assert plan["zone_type"] == "GE" and plan["plan_name"] == "Gewerbegebiet Göhrener Tannen"
    _, outside = call(simulators, "bauleitplanung", "/bebauungsplaene?gemarkung=Ludwigslust&flur=2&flurstueck=7")
    assert outside["found"] is False and "§ 34 BauGB" in outside["planning_area"]


def test_residents_register_lookup(simulators):
    status, person = call(simulators, "melderegister", "/personen/suche",
                          {"family_name": "müller", "given_names": "Erika", "birth_date": "1978-04-12"})
    assert status == 200 and person["found"] is True
    assert person["address"] == {"street": "Schloßstraße 12", "postal_code": "19053", "city": "Schwerin"}
    _, missing = call(simulators, "melderegister", "/personen/suche",
                      {"family_name": "Müller", "given_names": "Erika", "birth_date": "1978-04-13"})
    assert missing["found"] is False
    status, problem = call(simulators, "melderegister", "/personen/suche",
                           {"family_name": "Müller", "given_names": "Erika", "birth_date": "12.04.1978"})
    assert status == 400 and "birth_date" in problem["message"]


def test_statistics_office_numbers_notifications(simulators):
    body = {"kind": "birth", "event_date": "2026-02-14", "registry_office": "Standesamt Schwerin"}
    status, first = call(simulators, "statistik", "/meldungen", body)
    _, second = call(simulators, "statistik", "/meldungen", {**body, "kind": "marriage"})
    assert status == 201 and first["receipt_number"].startswith("StaLa-MV-2026-")
    assert second["receipt_number"] != first["receipt_number"] and second["kind"] == "Eheschließung"
    assert call(simulators, "statistik", "/meldungen", {**body, "kind": "death"})[0] == 400


@pytest.mark.parametrize("name, path", [("alkis", "/flurstuecke?gemarkung=Schwerin&flur=3&flurstueck=17/2"),
                                        ("statistik", "/meldungen"), ("alkis", "/_control")])
def test_wrong_or_missing_api_key_is_refused(simulators, name, path):
    status, problem = call(simulators, name, path, key="falsch")
    assert status == 401 and "X-API-Key" in problem["message"]
    assert call(simulators, name, path, key="")[0] == 401


def test_error_mode_for_a_number_of_requests_then_recovers(simulators):
    path = "/flurstuecke?gemarkung=Schwerin&flur=3&flurstueck=17/2"
    assert control(simulators, "alkis", {"mode": "error", "count": 2})["mode"] == "error"
    assert [call(simulators, "alkis", path)[0] for _ in range(3)] == [503, 503, 200]
    control(simulators, "alkis", {"mode": "error"})
    assert [call(simulators, "alkis", path)[0] for _ in range(3)] == [503] * 3
    control(simulators, "alkis", {"mode": "ok"})
    assert call(simulators, "alkis", path)[0] == 200


def test_down_mode_drops_the_connection(simulators):
    control(simulators, "melderegister", {"mode": "down", "count": 1})
    body = {"family_name": "Krüger", "given_names": "Sophie", "birth_date": "1995-06-17"}
    with pytest.raises((urllib.error.URLError, ConnectionError)):
        call(simulators, "melderegister", "/personen/suche", body)
    assert call(simulators, "melderegister", "/personen/suche", body)[1]["found"] is True


def test_control_rejects_unknown_modes(simulators):
    assert call(simulators, "alkis", "/_control", {"mode": "kaputt"})[0] == 400
    assert call(simulators, "alkis", "/_control", {"mode": "error", "count": 0})[0] == 400


def test_connector_sees_failures_and_recovery(simulators, monkeypatch):
    monkeypatch.setenv("AKTENFLUSS_SIMULATOR_API_KEY", simulators.api_key)
    config = ConnectorConfig.from_dict(simulators.connector_config(timeout=1))
    endpoint = config.endpoint(None, "alkis.flurstueck")
    params = {"gemarkung": "Schwerin", "flur": "3", "flurstueck": "17/2"}
    assert call_endpoint(endpoint, "alkis.flurstueck", params, "job-1").result["owner"] == "Erika Müller"

    control(simulators, "alkis", {"mode": "slow", "count": 1, "delay": 3})
    started = time.monotonic()
    with pytest.raises(ConnectorError, match="timed out"):
        call_endpoint(endpoint, "alkis.flurstueck", params, "job-2")
    assert time.monotonic() - started < 2.5
    control(simulators, "alkis", {"mode": "error", "count": 1})
    with pytest.raises(ConnectorError, match="503"):
        call_endpoint(endpoint, "alkis.flurstueck", params, "job-3")
    control(simulators, "alkis", {"mode": "down", "count": 1})
    with pytest.raises(ConnectorError):
        call_endpoint(endpoint, "alkis.flurstueck", params, "job-4")
    assert call_endpoint(endpoint, "alkis.flurstueck", params, "job-5").result["found"] is True

    statistik = config.endpoint(None, "statistik.report")
    receipt = call_endpoint(statistik, "statistik.report", {"kind": "birth", "event_date": "2026-03-01",
                                                            "registry_office": "Standesamt Ludwigslust"}, "job-6")
    assert receipt.result["receipt_number"].startswith("StaLa-MV-2026-")


def test_only_loopback_and_known_simulators():
    with pytest.raises(ValueError, match="loopback"):
        start_simulators(host="0.0.0.0")
    with pytest.raises(ValueError, match="unknown"):
        start_simulators(ports={"grundbuch": 0})
