"""Ids and paths of the reference's example mission (``data/example-mission.metis``, §7).

Blue Cell: Harbor Gate → Crane Control → Ballast Pump, plus Radio Mast;
Amber Cell: Gatehouse → Crane Cab → Pump Room (initially blocked), plus Signal Tower.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "example-mission.metis"
BUILD37 = DATA / "build37.metis"

BLUE = "8c1b91d3-355a-47c5-bed5-2db164968250"
AMBER = "8ef9a670-6181-463e-8f32-f57e97140cd2"
HARBOR_GATE = "b64ddb24-acc3-4998-8221-b7f62e5e558a"
CRANE_CONTROL = "7abed47d-6d30-41f9-9d2a-f50d302674b1"
BALLAST_PUMP = "971a3ac5-e53b-42ad-b48e-ff8a9ecea08f"
RADIO_MAST = "5ea9e611-a97f-4239-863b-5720a403a0c3"
GATEHOUSE = "749eb21a-2033-4b56-9081-7cecddd69121"
CRANE_CAB = "087496e3-ff47-481b-b1a7-cc2b3e4e338f"
PUMP_ROOM = "37832885-39ec-4083-9574-9e82d88e75f9"
SIGNAL_TOWER = "9617d996-542f-48f5-a77c-3b21546e00b8"
SPOOF = "77bdd3c6-e92e-4e3a-bd0f-4dc8c7a3ad60"  # Crane Control, repeatable, 0.6, 8000 ms
CUT_POWER = "28b32679-0f69-4d85-9ed8-cdb8adebabbb"  # Crane Control, single-use, 0.35, 15000
FLOOD = "3eb91c07-fa4f-400e-bcbf-de8148f9a26c"  # Ballast Pump, 0.5, 20000
JAM = "96ab4eea-a7bc-4a78-943b-b1f245025837"  # Radio Mast, 0.8, 5000
LOCK_OUT = "ea5bb102-b3d5-4806-aebc-74d807aa90f9"  # Crane Cab, 0.9, 6000
ISOLATE = "7b730b58-e50a-4cf7-bafb-d9fd361a467c"  # Pump Room, 0.7, 12000
FUEL = "78417551-507c-4280-b8f0-fd8e9ebf3ebd"
CREDITS = "2c027a71-e3f8-47e0-82c4-5f445a7f6bbd"
BLUE_FUEL = "f535c88c-fa2e-481d-93c0-99a53b286314"  # 50
BLUE_CREDITS = "b13e0868-f76a-4ebd-bbf2-8d7c7d4af78f"  # 100, allowNegative
AMBER_FUEL = "57e11a0e-954c-4acc-857e-827699d90a47"  # 40
AMBER_CREDITS = "8aa83747-a62d-4738-9772-395f8b8ae85d"  # 60
HARBOR_MAP = "2a994e53-fdbf-497c-b736-c768f8a5407b"  # Blue only
TIDE_TABLE = "9fa4680c-41c0-4d95-9ce0-3ad6093a97af"  # both forces


def example_doc() -> dict[str, Any]:
    """The example file as parsed JSON (a fresh copy)."""
    doc: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return doc
