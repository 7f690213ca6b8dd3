"""Zoning simulator (Bebauungspläne): which plan applies to a parcel, with its key figures.

``GET /bebauungsplaene?gemarkung=Schwerin&flur=3&flurstueck=17/2`` answers the
plan's name, zone type (WA, MI, GE, …), GRZ, GFZ and maximum storeys. A parcel
outside any plan answers ``{"found": false}`` with the planning-law area
(§ 34 or § 35 BauGB) where known.
"""

from __future__ import annotations

from processes.simulators.alkis import parcel_key
from processes.simulators.service import Simulator

ZONES = {
    "WA": "Allgemeines Wohngebiet", "WR": "Reines Wohngebiet", "MI": "Mischgebiet",
    "GE": "Gewerbegebiet", "GI": "Industriegebiet",
}

PLANS = {
    ("schwerin", "3", "17/2"): {"plan_number": "42", "plan_name": "Lankow-Nord", "municipality": "Schwerin",
                                "zone_type": "WA", "grz": 0.4, "gfz": 0.8, "max_storeys": 2,
                                "in_force_since": "2004-06-15"},
    ("schwerin", "12", "45"): {"plan_number": "07.91", "plan_name": "Schelfstadt", "municipality": "Schwerin",
                               "zone_type": "MI", "grz": 0.6, "gfz": 1.2, "max_storeys": 4,
                               "in_force_since": "1993-03-01"},
    ("görries", "1", "88/3"): {"plan_number": "18", "plan_name": "Gewerbegebiet Göhrener Tannen",
                               "municipality": "Schwerin", "zone_type": "GE", "grz": 0.8, "gfz": 1.6,
                               "max_storeys": 3, "in_force_since": "1998-09-10"},
    ("ludwigslust", "5", "112/4"): {"plan_number": "11", "plan_name": "Wohngebiet Techentiner Straße",
                                    "municipality": "Ludwigslust", "zone_type": "WA", "grz": 0.3, "gfz": 0.6,
                                    "max_storeys": 2, "in_force_since": "2011-11-23"},
}

UNPLANNED = {("ludwigslust", "2", "7"): "unbeplanter Innenbereich (§ 34 BauGB)"}


def lookup_plan(params: dict) -> tuple[int, dict]:
    """Answer one zoning lookup."""
    key = parcel_key(params)
    plan = PLANS.get(key)
    if plan is None:
        return 200, {"found": False, "planning_area": UNPLANNED.get(key),
                     "message": "kein Bebauungsplan für dieses Flurstück"}
    return 200, {"found": True, "zone_label": ZONES[plan["zone_type"]], **plan}


def create(api_key: str) -> Simulator:
    """Create the zoning simulator."""
    return Simulator("bauleitplanung", "Bauleitplanung (Bebauungspläne)", api_key, {
        ("GET", "/bebauungsplaene"): lookup_plan,
        ("POST", "/bebauungsplaene"): lookup_plan,
    })
