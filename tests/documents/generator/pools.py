"""Fictional names, tests and hazard data the synthetic documents are drawn from."""

from __future__ import annotations

import random
from dataclasses import dataclass

SUPPLIERS = (
    "Quillon Ingredients GmbH", "Harrowgate Fine Chemicals Ltd", "Nordvale Botanicals AB",
    "Cresswell Pharma Supplies Inc.", "Tamsin & Brook Laboratories LLC", "Orvieto Aromi S.r.l.",
    "Kestrel Bioprocess Corp.", "Pellucid Minerals Pty Ltd", "Westerly Flavours B.V.",
    "Ambergate Nutrition Co.", "Solenne Specialty Chemicals SA", "Greyfield Analytical Labs",
)
PRODUCTS = (
    "Ascorbic Acid Fine Powder", "Magnesium Citrate Anhydrous", "Natural Lemon Flavour WONF",
    "Microcrystalline Cellulose 102", "Zinc Gluconate Granules", "Sodium Benzoate Granular",
    "Pea Protein Isolate 85", "Citric Acid Monohydrate", "Vanillin Crystals", "Xanthan Gum 200 Mesh",
    "Calcium Carbonate Precipitated", "Green Tea Extract 50%", "Sorbitol Solution 70%",
    "Potassium Sorbate Beads", "Maltodextrin DE 18",
)
SDS_PRODUCTS = (
    ("Solvent Blend SB-40", "Danger"), ("Lemon Terpene Fraction", "Warning"),
    ("Isopropyl Cleaner IC-7", "Danger"), ("Orange Oil Cold Pressed", "Warning"),
    ("Ethyl Acetate Technical", "Danger"), ("Acidulant Solution 75", "Danger"),
    ("Flavour Carrier PG-2", "Warning"), ("Descaler Concentrate DX", "Danger"),
)
# (CAS, chemical name): CAS numbers with valid check digits
CHEMICALS = (
    ("64-17-5", "Ethanol"), ("67-63-0", "Propan-2-ol"), ("141-78-6", "Ethyl acetate"),
    ("5989-27-5", "d-Limonene"), ("57-55-6", "Propane-1,2-diol"), ("7664-38-2", "Phosphoric acid"),
    ("77-92-9", "Citric acid"), ("7732-18-5", "Water"), ("108-88-3", "Toluene"),
    ("1310-73-2", "Sodium hydroxide"), ("127-91-3", "beta-Pinene"), ("78-70-6", "Linalool"),
)
H_PHRASES = {
    "H225": "Highly flammable liquid and vapour.", "H226": "Flammable liquid and vapour.",
    "H302": "Harmful if swallowed.", "H304": "May be fatal if swallowed and enters airways.",
    "H314": "Causes severe skin burns and eye damage.", "H315": "Causes skin irritation.",
    "H317": "May cause an allergic skin reaction.", "H319": "Causes serious eye irritation.",
    "H336": "May cause drowsiness or dizziness.", "H411": "Toxic to aquatic life with long lasting effects.",
}
P_PHRASES = {
    "P210": "Keep away from heat, hot surfaces, sparks, open flames.",
    "P261": "Avoid breathing vapours.", "P280": "Wear protective gloves/eye protection.",
    "P233": "Keep container tightly closed.", "P273": "Avoid release to the environment.",
    "P305+P351+P338": "IF IN EYES: Rinse cautiously with water for several minutes.",
    "P501": "Dispose of contents to an approved waste disposal plant.",
}
PICTOGRAMS = {"GHS02": "flame", "GHS05": "corrosion", "GHS07": "exclamation mark",
              "GHS08": "health hazard", "GHS09": "environment"}
UN_ENTRIES = (("UN1993", "3", "II"), ("UN1263", "3", "III"), ("UN1805", "8", "III"),
              ("UN1170", "3", "II"), ("UN3082", "9", "III"), ("UN1219", "3", "II"))


@dataclass(frozen=True)
class TestRow:
    test: str
    method: str
    spec: str
    result: str
    unit: str | None
    value: float | None
    spec_min: float | None
    spec_max: float | None
    passed: bool


def _num(rng: random.Random, lo: float, hi: float, digits: int) -> float:
    return round(rng.uniform(lo, hi), digits)


def make_tests(rng: random.Random, count: int) -> list[TestRow]:
    def moisture() -> TestRow:
        v = _num(rng, 0.5, 4.8, 1)
        return TestRow("Loss on Drying", "USP <731>", "<= 5.0 %", f"{v} %", "%", v, None, 5.0, True)

    def assay() -> TestRow:
        v = _num(rng, 98.5, 101.5, 1)
        return TestRow("Assay (HPLC)", "HPLC-UV", "98.0 - 102.0 %", f"{v} %", "%", v, 98.0, 102.0, True)

    def ph() -> TestRow:
        v = _num(rng, 5.2, 6.8, 1)
        return TestRow("pH (1% solution)", "USP <791>", "5.0 - 7.0", f"{v}", None, v, 5.0, 7.0, True)

    def lead() -> TestRow:
        v = _num(rng, 0.02, 0.9, 2)
        return TestRow("Lead (Pb)", "ICP-MS", "NMT 1.0 ppm", f"{v} ppm", "ppm", v, None, 1.0, True)

    def arsenic() -> TestRow:
        return TestRow("Arsenic (As)", "ICP-MS", "< 0.5 ppm", "ND", "ppm", None, None, 0.5, True)

    def tpc() -> TestRow:
        return TestRow("Total Plate Count", "ISO 4833", "Max 1000 cfu/g", "<10 cfu/g", "cfu/g", 10.0, None, 1000.0, True)

    def salmonella() -> TestRow:
        return TestRow("Salmonella", "ISO 6579", "Negative/25g", "Negative", None, None, None, None, True)

    def appearance() -> TestRow:
        return TestRow("Appearance", "Visual", "White crystalline powder", "Conforms", None, None, None, None, True)

    def density() -> TestRow:
        v = _num(rng, 0.46, 0.64, 2)
        return TestRow("Bulk Density", "USP <616>", "0.45 - 0.65 g/ml", f"{v} g/ml", "g/ml", v, 0.45, 0.65, True)

    def yeast() -> TestRow:
        v = float(rng.choice([10, 20, 40, 60]))
        return TestRow("Yeast and Mould", "ISO 21527", "<= 100 cfu/g", f"{int(v)} cfu/g", "cfu/g", v, None, 100.0, True)

    def ash() -> TestRow:
        v = _num(rng, 0.01, 0.09, 2)
        return TestRow("Residue on Ignition", "USP <281>", "NMT 0.1 %", f"{v} %", "%", v, None, 0.1, True)

    def peroxide() -> TestRow:
        v = _num(rng, 0.3, 4.5, 1)
        return TestRow("Peroxide Value", "AOCS Cd 8-53", "<= 5.0 meq/kg", f"{v} meq/kg", "meq/kg", v, None, 5.0, True)

    def ecoli() -> TestRow:
        return TestRow("E. coli", "ISO 16649", "Absent in 10 g", "Absent", None, None, None, None, True)

    def mesh() -> TestRow:
        v = _num(rng, 95.5, 99.9, 1)
        return TestRow("Particle Size (60 mesh)", "Sieve", "Min 95 %", f"{v} %", "%", v, 95.0, None, True)

    makers = [moisture, assay, ph, lead, arsenic, tpc, salmonella, appearance, density, yeast,
              ash, peroxide, ecoli, mesh]
    rng.shuffle(makers)
    return [m() for m in makers[:count]]


@dataclass(frozen=True)
class LabRow:
    """A row of a testing lab's panel: what is printed and what is true."""

    panel: str  # "composition" | "contaminant" | "microbial"
    test: str
    printed: tuple[str, ...]
    result: str
    unit: str | None
    value: float | None
    spec_max: float | None


def make_lab_rows(rng: random.Random) -> list[LabRow]:
    """Rows for the lab-report layout: a composition panel with the result in two units,
    a contaminant panel with action limits, a microbial panel with a verdict column."""
    rows: list[LabRow] = []
    for name in rng.sample(["Ascorbic acid", "Citric acid", "Malic acid", "Sodium citrate",
                            "Tartaric acid", "Fumaric acid", "Lactic acid"], rng.randint(3, 5)):
        if rng.random() < 0.25:
            rows.append(LabRow("composition", name, ("0.05", "ND", "ND"), "ND", "%", None, None))
            continue
        pct = _num(rng, 0.1, 60.0, 3)
        rows.append(LabRow("composition", name, ("0.05", f"{pct:.3f}", f"{pct * 10:.2f}"),
                           f"{pct:.3f}", "%", pct, None))
    for name, limit in rng.sample([("Lead", 0.5), ("Cadmium", 0.2), ("Arsenic", 0.2),
                                   ("Mercury", 0.1), ("Acetone", 750.0), ("Hexane", 60.0),
                                   ("Ethanol", 5000.0)], rng.randint(3, 5)):
        if rng.random() < 0.5:
            rows.append(LabRow("contaminant", name, (f"{limit:g}", "N/A", "ND"), "ND", "ppm",
                               None, limit))
        else:
            v = round(limit * rng.uniform(0.05, 0.6), 3)
            rows.append(LabRow("contaminant", name, (f"{limit:g}", f"±{v * 0.1:.3f}", f"{v:g}"),
                               f"{v:g}", "ppm", v, limit))
    for name, limit in rng.sample([("Total Aerobic Count", 100000.0), ("Total Yeast and Mold", 10000.0),
                                   ("Total Coliforms", 1000.0), ("Enterobacteria", 1000.0)],
                                  rng.randint(2, 4)):
        if rng.random() < 0.5:
            rows.append(LabRow("microbial", name, (f"{limit:g}", "PASS", "ND"), "ND", "cfu/g",
                               None, limit))
        else:
            v = float(rng.choice([10, 20, 40, 150]))
            rows.append(LabRow("microbial", name, (f"{limit:g}", "PASS", f"{v:g}"), f"{v:g}",
                               "cfu/g", v, limit))
    return rows
