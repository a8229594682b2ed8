"""The trades of the demo market's makers: what each does, makes, holds and offers.

Codes are those of the built-in vocabulary (``app/taxonomy/data/taxonomy.yaml``); the
skill mixes follow the sector (a sewing shop cuts and sews, a mask maker welds and needs
meltblown, a medical moulder works in a cleanroom).
"""

from __future__ import annotations

from app.demo.catalogue import Trade

TRADES = {
    "sewing": Trade(
        "Konfektion",
        ("textile.sewing", "textile.cutting", "textile.sewing.garments"),
        ("mask.community", "gown.isolation"),
        ("oeko-tex-100", "iso-9001", "ce.ppe"),
        "pieces",
        (2_000, 20_000),
        (
            "Free sewing line, {shifts} shifts",
            "Cut-and-sew capacity for simple gowns",
            "Community masks, cotton, washable",
        ),
        (150, 500),
    ),
    "medical-sewing": Trade(
        "Medizintextil",
        ("textile.sewing.medical", "textile.ultrasonic-welding", "textile.lamination"),
        ("mask.surgical.type-iir", "gown.surgical", "drape.surgical"),
        ("iso-13485", "en-14683", "en-13795", "ce.mdr"),
        "pieces",
        (5_000, 60_000),
        (
            "Surgical masks type IIR, cleanroom sewing",
            "Surgical gowns EN 13795",
            "Ultrasonic welding line, {shifts} shifts",
        ),
        (250, 700),
    ),
    "nonwoven": Trade(
        "Vliesstoffe",
        ("textile.nonwoven.meltblown", "textile.nonwoven.spunbond"),
        (),
        ("iso-9001", "oeko-tex-100"),
        "kg",
        (500, 8_000),
        ("Meltblown nonwoven, filter grade", "Spunbond nonwoven for gowns"),
        (300, 900),
    ),
    "ffp": Trade(
        "Atemschutz",
        ("textile.ultrasonic-welding", "textile.nonwoven.meltblown"),
        ("mask.ffp2", "mask.ffp3"),
        ("en-149", "ce.ppe", "iso-9001"),
        "pieces",
        (10_000, 100_000),
        ("FFP2 masks, automated line", "FFP3 masks with valve"),
        (300, 900),
    ),
    "plastics-medical": Trade(
        "Kunststofftechnik",
        ("plastics.injection-moulding.medical", "cleanroom.iso-7"),
        ("ventilator-part.valve", "test-kit.swab", "face-shield"),
        ("iso-13485", "iso-14644", "en-166", "ce.ppe"),
        "pieces",
        (5_000, 50_000),
        (
            "Injection moulding in ISO 7 cleanroom",
            "Swab sticks, medical grade",
            "Ventilator valves, small series",
        ),
        (200, 800),
    ),
    "additive": Trade(
        "3D-Druck",
        ("additive.fdm", "additive.sls", "plastics.thermoforming"),
        ("face-shield", "ventilator-part.valve"),
        ("en-166", "ce.ppe", "iso-9001"),
        "pieces",
        (500, 5_000),
        ("3D-printed face shields", "SLS spare parts on demand"),
        (200, 600),
    ),
    "electronics": Trade(
        "Elektronik",
        ("electronics.assembly", "medical-device.assembly"),
        ("ventilator-part.electronics", "test-kit.antigen"),
        ("iso-13485", "iso-9001", "ce.mdr"),
        "pieces",
        (200, 3_000),
        ("PCB assembly for ventilators", "Device assembly, ISO 13485"),
        (300, 900),
    ),
    "sterile": Trade(
        "Sterilgut",
        ("sterilisation.eo", "sterilisation.steam", "packaging.sterile-barrier"),
        ("test-kit.swab",),
        ("iso-13485", "ce.mdr"),
        "pieces",
        (10_000, 80_000),
        ("EO sterilisation slots", "Sterile-barrier packaging line"),
        (200, 600),
    ),
    "disinfectant": Trade(
        "Chemie",
        ("packaging",),
        ("disinfectant.hand", "disinfectant.surface"),
        ("iso-9001",),
        "l",
        (1_000, 20_000),
        ("Hand disinfectant, bottled", "Surface disinfectant in canisters"),
        (150, 500),
    ),
    "logistics": Trade(
        "Logistik",
        ("logistics.warehousing", "logistics.transport"),
        (),
        ("iso-9001",),
        "pallets",
        (50, 600),
        ("Warehouse space for PPE", "Temperature-controlled transport"),
        (300, 800),
    ),
}
