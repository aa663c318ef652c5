"""Master data of the demo distributor: sites, locations, items, suppliers and customers."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from app.db.demo.names import company_name, person_name


@dataclass(frozen=True)
class Product:
    name: str
    category: str
    uom: str
    shelf_life_days: int
    hazardous: bool
    documents: tuple[str, ...]
    cost_per_uom: float


FOOD_DOCS = ("COA", "ALLERGEN_STATEMENT")
NUTRA_DOCS = ("COA",)
CHEM_DOCS = ("COA", "SDS")

PRODUCTS: tuple[Product, ...] = (
    Product("Citric Acid Anhydrous", "food_ingredient", "kg", 1095, False, FOOD_DOCS, 1.8),
    Product("Ascorbic Acid Fine Powder", "food_ingredient", "kg", 1095, False, FOOD_DOCS, 6.5),
    Product("Whey Protein Concentrate 80%", "food_ingredient", "kg", 540, False, FOOD_DOCS, 9.2),
    Product("Cocoa Powder 10-12%", "food_ingredient", "kg", 730, False, FOOD_DOCS, 5.1),
    Product("Dextrose Monohydrate", "food_ingredient", "kg", 1095, False, FOOD_DOCS, 0.9),
    Product("Xanthan Gum 200 Mesh", "food_ingredient", "kg", 1095, False, FOOD_DOCS, 7.4),
    Product("Sunflower Lecithin Liquid", "food_ingredient", "kg", 540, False, FOOD_DOCS, 4.2),
    Product("High Oleic Sunflower Oil", "food_ingredient", "kg", 365, False, FOOD_DOCS, 2.3),
    Product("Modified Corn Starch E1422", "food_ingredient", "kg", 1095, False, FOOD_DOCS, 1.4),
    Product("Pea Protein Isolate 85%", "food_ingredient", "kg", 730, False, FOOD_DOCS, 6.8),
    Product("Maltodextrin DE18", "food_ingredient", "kg", 1095, False, FOOD_DOCS, 1.1),
    Product("Skim Milk Powder Low Heat", "food_ingredient", "kg", 540, False, FOOD_DOCS, 3.9),
    Product("Gelatin 250 Bloom", "food_ingredient", "kg", 1095, False, FOOD_DOCS, 8.7),
    Product("Pectin High Methoxyl", "food_ingredient", "kg", 730, False, FOOD_DOCS, 12.5),
    Product("Sodium Bicarbonate Food Grade", "food_ingredient", "kg", 1095, False, FOOD_DOCS, 0.7),
    Product("Vitamin D3 100,000 IU/g", "nutraceutical", "kg", 730, False, NUTRA_DOCS, 85.0),
    Product("Magnesium Citrate Anhydrous", "nutraceutical", "kg", 1095, False, NUTRA_DOCS, 7.9),
    Product("Zinc Gluconate USP", "nutraceutical", "kg", 1095, False, NUTRA_DOCS, 11.2),
    Product("Fish Oil 18/12 TG", "nutraceutical", "kg", 540, False, NUTRA_DOCS, 9.9),
    Product("Turmeric Extract 95% Curcuminoids", "nutraceutical", "kg", 730, False, NUTRA_DOCS, 38.0),
    Product("Ashwagandha Root Extract 5%", "nutraceutical", "kg", 730, False, NUTRA_DOCS, 42.0),
    Product("Collagen Peptides Bovine", "nutraceutical", "kg", 730, False, NUTRA_DOCS, 14.5),
    Product("Folic Acid 97%", "nutraceutical", "kg", 1095, False, NUTRA_DOCS, 120.0),
    Product("Coenzyme Q10 98%", "nutraceutical", "kg", 730, False, NUTRA_DOCS, 310.0),
    Product("Green Tea Extract 50% EGCG", "nutraceutical", "kg", 730, False, NUTRA_DOCS, 55.0),
    Product("Isopropyl Alcohol 99%", "industrial_chemical", "L", 1825, True, CHEM_DOCS, 1.6),
    Product("Sodium Hydroxide 50% Solution", "industrial_chemical", "kg", 1825, True, CHEM_DOCS, 0.6),
    Product("Acetone Technical", "industrial_chemical", "L", 1825, True, CHEM_DOCS, 1.2),
    Product("Hydrochloric Acid 32%", "industrial_chemical", "kg", 1825, True, CHEM_DOCS, 0.4),
    Product("Glycerin USP 99.7%", "industrial_chemical", "kg", 1825, False, CHEM_DOCS, 1.5),
    Product("Propylene Glycol USP", "industrial_chemical", "kg", 1825, False, CHEM_DOCS, 2.1),
    Product("Hydrogen Peroxide 35%", "industrial_chemical", "kg", 365, True, CHEM_DOCS, 0.9),
    Product("Ethyl Acetate", "industrial_chemical", "L", 1825, True, CHEM_DOCS, 1.9),
    Product("Phosphoric Acid 85%", "industrial_chemical", "kg", 1825, True, CHEM_DOCS, 1.3),
    Product("Potassium Hydroxide Flake 90%", "industrial_chemical", "kg", 1825, True, CHEM_DOCS, 1.7),
)
BLENDS: tuple[Product, ...] = (
    Product("Vitamin Premix Blend A", "nutraceutical", "kg", 365, False, NUTRA_DOCS, 45.0),
    Product("Bakery Improver Blend", "food_ingredient", "kg", 365, False, FOOD_DOCS, 4.5),
    Product("Sports Nutrition Base Blend", "nutraceutical", "kg", 365, False, NUTRA_DOCS, 18.0),
    Product("Cleaning Concentrate Kit", "industrial_chemical", "kg", 730, True, CHEM_DOCS, 3.5),
)
# (pack code, pack name, bulk size in uom) — the first is the bulk pack that is received.
PACKS = {
    "kg": (("25K", "25 kg bag", 25.0), ("TOT", "1000 kg tote", 1000.0), ("01K", "1 kg pouch", 1.0)),
    "L": (("IBC", "1000 L IBC", 1000.0), ("DRM", "200 L drum", 200.0), ("20L", "20 L pail", 20.0)),
}
RECEIVED_PACKS = 2  # the first two packs are bought; the last is made by repacking

SITES = (
    ("RVB", "Riverbend Distribution Center", "1 Riverbend Way, Lakeport"),
    ("HBV", "Harborview Distribution Center", "88 Quay Road, Saltmarsh"),
    ("PRG", "Prairie Gate Distribution Center", "400 Gate Avenue, Millfield"),
)
LEGAL_FORMS = ["Ltd", "GmbH", "Inc.", "S.A.", "B.V.", "LLC"]
SUPPLIER_KINDS = ["Ingredients", "Chemicals", "Nutrition", "Laboratories", "Botanicals",
                  "Chemie", "Organics", "Industries"]
CUSTOMER_KINDS = ["Foods", "Bakery", "Nutrition Co.", "Pharma", "Coatings", "Beverages",
                  "Labs", "Cosmetics", "Supplements", "Cleaning Products"]
COUNTRIES = ["US", "US", "US", "DE", "NL", "FR", "IN", "CN", "CA", "MX", "IT", "ES"]
CITIES = ["Lakeport", "Saltmarsh", "Millfield", "Eastbrook", "Westhollow", "Northgate",
          "Southmere", "Kingsferry", "Oakhaven", "Stonebridge", "Ashford Vale", "Brightwater"]


@dataclass
class ItemRow:
    id: int
    sku: str
    gtin: str
    name: str
    product: Product
    pack: str
    pack_size: float
    repack_item_id: int | None = None
    supplier_ids: list[int] = field(default_factory=list)
    is_blend: bool = False


@dataclass
class SiteRow:
    id: int
    code: str
    name: str
    address: str
    dock: int = 0
    quarantine: int = 0
    staging: int = 0
    returns: int = 0
    in_transit: int = 0
    bins: list[int] = field(default_factory=list)


@dataclass
class CustomerRow:
    id: int
    code: str
    name: str
    min_shelf_life_days: int | None
    ship_to: str


@dataclass
class SupplierRow:
    id: int
    code: str
    name: str
    status: str
    lot_style: int


@dataclass
class Catalog:
    sites: list[SiteRow]
    location_rows: list[tuple[int, int, int | None, str, str, str]]
    items: list[ItemRow]
    suppliers: list[SupplierRow]
    customers: list[CustomerRow]
    supplier_rows: list[tuple[object, ...]]
    customer_rows: list[tuple[object, ...]]

    @property
    def received_items(self) -> list[ItemRow]:
        return [i for i in self.items if not i.is_blend and i.pack != "repack"]

    @property
    def blend_items(self) -> list[ItemRow]:
        return [i for i in self.items if i.is_blend]


def gtin14(prefix: str, reference: int) -> str:
    body = f"1{prefix}{reference:05d}"[:13].ljust(13, "0")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def build_catalog(rng: random.Random, *, suppliers: int, customers: int, bins_per_site: int) -> Catalog:
    sites: list[SiteRow] = []
    locations: list[tuple[int, int, int | None, str, str, str]] = []
    loc_id = 0

    def add_location(site: SiteRow, parent: int | None, code: str, name: str, kind: str) -> int:
        nonlocal loc_id
        loc_id += 1
        locations.append((loc_id, site.id, parent, code, name, kind))
        return loc_id

    for n, (code, name, address) in enumerate(SITES, start=1):
        site = SiteRow(n, code, name, address)
        sites.append(site)
        wh = add_location(site, None, "WH", f"{code} warehouse", "warehouse")
        site.dock = add_location(site, wh, "DOCK", "Receiving dock", "dock")
        site.quarantine = add_location(site, wh, "QA-HOLD", "Quarantine cage", "zone")
        site.staging = add_location(site, wh, "STAGE", "Outbound staging", "staging")
        site.returns = add_location(site, wh, "RETURNS", "Returns area", "returns")
        site.in_transit = add_location(site, None, "IN-TRANSIT", f"In transit to {code}", "in_transit")
        zones = [add_location(site, wh, f"Z{z}", f"Zone {z}", "zone") for z in "ABCD"]
        for b in range(bins_per_site):
            zone = zones[b % len(zones)]
            aisle, level = divmod(b // len(zones), 6)
            site.bins.append(
                add_location(site, zone, f"{'ABCD'[b % 4]}-{aisle + 1:02d}-{level + 1}",
                             f"Bin {'ABCD'[b % 4]}-{aisle + 1:02d}-{level + 1}", "bin")
            )

    used: set[str] = set()
    supplier_list: list[SupplierRow] = []
    supplier_rows: list[tuple[object, ...]] = []
    for n in range(1, suppliers + 1):
        # Real suppliers carry their legal form, and their COAs' letterheads show it.
        name = f"{company_name(rng, SUPPLIER_KINDS, used)} {LEGAL_FORMS[n % len(LEGAL_FORMS)]}"
        status = rng.choices(
            ["approved", "conditional", "pending", "suspended", "disqualified"],
            [85, 8, 3, 3, 1],
        )[0]
        supplier_list.append(SupplierRow(n, f"S{n:04d}", name, status, rng.randrange(5)))
        contact = person_name(rng)
        supplier_rows.append((n, f"S{n:04d}", name, rng.choice(COUNTRIES), status, contact,
                              f"{contact.split()[0].lower()}@{name.split()[0].lower()}.example"))

    customer_list: list[CustomerRow] = []
    customer_rows: list[tuple[object, ...]] = []
    for n in range(1, customers + 1):
        name = company_name(rng, CUSTOMER_KINDS, used)
        min_life = rng.choices([None, 90, 180, 365], [55, 25, 15, 5])[0]
        city = rng.choice(CITIES)
        ship_to = f"{rng.randint(1, 999)} {name.split()[0]} Street, {city}"
        contact = person_name(rng)
        customer_list.append(CustomerRow(n, f"C{n:05d}", name, min_life, ship_to))
        customer_rows.append((n, f"C{n:05d}", name, min_life, contact,
                              f"quality@{name.split()[0].lower()}.example",
                              f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}",
                              ship_to, "US"))

    items: list[ItemRow] = []
    for p_no, product in enumerate(PRODUCTS, start=1):
        packs = PACKS[product.uom]
        pool = rng.sample(range(1, suppliers + 1), k=min(suppliers, rng.randint(2, 4)))
        repack = ItemRow(0, "", "", "", product, "repack", packs[-1][2])
        bought: list[ItemRow] = []
        for code, pack_name, size in packs[:RECEIVED_PACKS]:
            bought.append(ItemRow(0, f"{p_no:03d}-{code}", "", f"{product.name}, {pack_name}",
                                  product, code, size, supplier_ids=pool))
        code, pack_name, size = packs[-1]
        repack.sku, repack.name = f"{p_no:03d}-{code}", f"{product.name}, {pack_name}"
        for item in (*bought, repack):
            item.id = len(items) + 1
            item.gtin = gtin14("0614141", item.id)
            items.append(item)
        for item in bought:
            item.repack_item_id = repack.id
    for b_no, product in enumerate(BLENDS, start=1):
        item = ItemRow(len(items) + 1, f"B{b_no:02d}-25K", "", f"{product.name}, 25 kg drum",
                       product, "25K", 25.0, is_blend=True)
        item.gtin = gtin14("0614141", item.id)
        items.append(item)

    return Catalog(sites, locations, items, supplier_list, customer_list, supplier_rows,
                   customer_rows)
