"""Land register simulator (ALKIS): parcel lookup by Gemarkung, Flur and Flurstück.

``GET /flurstuecke?gemarkung=Schwerin&flur=3&flurstueck=17/2`` (or the same as
a JSON body with POST) answers owner, area in m², land use and location; an
unknown parcel answers ``{"found": false}``. The data is fictitious but shaped
like real parcels in Schwerin and Ludwigslust.
"""

from __future__ import annotations

from processes.simulators.service import Simulator, require

PARCELS = {
    ("schwerin", "3", "17/2"): {
        "parcel_id": "132207-003-00017/0002", "owner": "Erika Müller", "owner_type": "natürliche Person",
        "area_m2": 742, "land_use": "Wohnbaufläche", "address": "Am Lankower See 4, 19057 Schwerin",
    },
    ("schwerin", "12", "45"): {
        "parcel_id": "132207-012-00045", "owner": "Landeshauptstadt Schwerin", "owner_type": "Gebietskörperschaft",
        "area_m2": 1530, "land_use": "Fläche gemischter Nutzung", "address": "Puschkinstraße 19, 19055 Schwerin",
    },
    ("görries", "1", "88/3"): {
        "parcel_id": "132209-001-00088/0003", "owner": "Hanse Logistik GmbH", "owner_type": "juristische Person",
        "area_m2": 12450, "land_use": "Industrie- und Gewerbefläche",
        "address": "Ludwigsluster Chaussee 60, 19061 Schwerin",
    },
    ("ludwigslust", "5", "112/4"): {
        "parcel_id": "133021-005-00112/0004", "owner": "Jens Petersen", "owner_type": "natürliche Person",
        "area_m2": 918, "land_use": "Wohnbaufläche", "address": "Kanalstraße 21, 19288 Ludwigslust",
    },
    ("ludwigslust", "2", "7"): {
        "parcel_id": "133021-002-00007", "owner": "Stadt Ludwigslust", "owner_type": "Gebietskörperschaft",
        "area_m2": 3820, "land_use": "Grünanlage", "address": "Schloßfreiheit, 19288 Ludwigslust",
    },
}


def parcel_key(params: dict) -> tuple[str, str, str]:
    """Return the normalised (gemarkung, flur, flurstueck) of the request; shared with the zoning simulator."""
    gemarkung, flur, flurstueck = require(params, "gemarkung", "flur", "flurstueck")
    return gemarkung.casefold(), flur.lstrip("0") or "0", flurstueck.replace(" ", "")


def lookup_parcel(params: dict) -> tuple[int, dict]:
    """Answer one parcel lookup."""
    key = parcel_key(params)
    parcel = PARCELS.get(key)
    if parcel is None:
        return 200, {"found": False, "message": "Flurstück im Liegenschaftskataster nicht vorhanden"}
    gemarkung = params["gemarkung"].strip()
    return 200, {"found": True, "gemarkung": gemarkung, "flur": key[1], "flurstueck": key[2], **parcel}


def create(api_key: str) -> Simulator:
    """Create the land register simulator."""
    return Simulator("alkis", "Liegenschaftskataster (ALKIS)", api_key, {
        ("GET", "/flurstuecke"): lookup_parcel,
        ("POST", "/flurstuecke"): lookup_parcel,
    })
