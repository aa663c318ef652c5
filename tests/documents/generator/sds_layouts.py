"""Safety data sheets in a US (OSHA HazCom) and an EU (REACH) style."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, letter
from reportlab.pdfgen.canvas import Canvas

from tests.documents.generator.pools import H_PHRASES, P_PHRASES, PICTOGRAMS


@dataclass(frozen=True)
class SdsData:
    product: str
    supplier: str
    address: str
    revision_text: str
    version: str
    signal_word: str
    h_codes: list[str]
    p_codes: list[str]
    pictograms: list[str]
    components: list[tuple[str, str, str]]  # (name, cas, concentration)
    un_number: str
    hazard_class: str
    packing_group: str


class _Writer:
    def __init__(self, c: Canvas, size: tuple[float, float], header: str, margin: float = 50) -> None:
        self.c = c
        self.w, self.h = size
        self.margin = margin
        self.header = header
        self.page = 1
        self._start()

    def _start(self) -> None:
        self.c.setFont("Helvetica", 7)
        self.c.drawString(self.margin, self.h - 30, self.header)
        self.c.drawRightString(self.w - self.margin, self.h - 30, f"Page {self.page}")
        self.y = self.h - 50

    def need(self, space: float) -> None:
        if self.y - space < 50:
            self.c.showPage()
            self.page += 1
            self._start()

    def heading(self, text: str) -> None:
        self.need(30)
        self.y -= 6
        self.c.setFont("Helvetica-Bold", 10)
        self.c.drawString(self.margin, self.y, text)
        self.y -= 14

    def line(self, text: str, indent: float = 0, bold: bool = False, size: float = 8.5) -> None:
        self.need(12)
        self.c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        self.c.drawString(self.margin + indent, self.y, text)
        self.y -= size + 3.5

    def pair(self, label: str, value: str, at: float = 150) -> None:
        self.need(12)
        self.c.setFont("Helvetica", 8.5)
        self.c.drawString(self.margin, self.y, label)
        self.c.drawString(self.margin + at, self.y, value)
        self.y -= 12


_FILLER = {
    4: "If inhaled: move to fresh air. In case of skin contact: wash with plenty of water.",
    5: "Suitable extinguishing media: dry powder, foam, carbon dioxide.",
    6: "Use personal protective equipment. Contain spillage and collect with absorbent material.",
    7: "Keep container tightly closed in a cool, well-ventilated place.",
    8: "Wear protective gloves and safety glasses. Ensure adequate ventilation.",
    9: "Appearance: liquid. Odour: characteristic. Flash point: 12 °C.",
    10: "Stable under recommended storage conditions. Avoid heat and ignition sources.",
    11: "Acute oral toxicity: LD50 > 2000 mg/kg (rat), based on components.",
    12: "Avoid release to the environment. Not readily biodegradable.",
    13: "Dispose of contents and container in accordance with local regulations.",
    15: "This product is regulated under applicable chemical control laws.",
    16: "Full text of H-statements: see section 2. Prepared by the product safety department.",
}


def sds_us(c: Canvas, d: SdsData) -> None:
    w = _Writer(c, letter, f"{d.product} - Safety Data Sheet")
    c.setFont("Helvetica-Bold", 16)
    c.drawString(50, w.y - 5, "SAFETY DATA SHEET")
    w.y -= 25
    w.pair("Revision date:", d.revision_text)
    w.pair("Version:", d.version)
    w.heading("SECTION 1. IDENTIFICATION")
    w.pair("Product name:", d.product)
    w.pair("Recommended use:", "Industrial use only")
    w.pair("Manufacturer:", d.supplier)
    w.pair("Address:", d.address)
    w.pair("Emergency telephone:", "+1 555 010 7788")
    w.heading("SECTION 2. HAZARD(S) IDENTIFICATION")
    w.pair("Signal word:", d.signal_word)
    w.line("Hazard pictograms: " + ", ".join(f"{PICTOGRAMS[p]} ({p})" for p in d.pictograms))
    w.line("Hazard statements:")
    for code in d.h_codes:
        w.line(f"{code}  {H_PHRASES[code]}", indent=12)
    w.line("Precautionary statements:")
    for code in d.p_codes:
        w.line(f"{code}  {P_PHRASES[code]}", indent=12)
    w.heading("SECTION 3. COMPOSITION/INFORMATION ON INGREDIENTS")
    w.line("Chemical name                              CAS-No.               Concentration (%)", bold=True)
    for name, cas, conc in d.components:
        w.need(12)
        c.setFont("Helvetica", 8.5)
        c.drawString(50, w.y, name)
        c.drawString(260, w.y, cas)
        c.drawString(370, w.y, conc)
        w.y -= 12
    titles = {4: "FIRST-AID MEASURES", 5: "FIRE-FIGHTING MEASURES", 6: "ACCIDENTAL RELEASE MEASURES",
              7: "HANDLING AND STORAGE", 8: "EXPOSURE CONTROLS/PERSONAL PROTECTION",
              9: "PHYSICAL AND CHEMICAL PROPERTIES", 10: "STABILITY AND REACTIVITY",
              11: "TOXICOLOGICAL INFORMATION", 12: "ECOLOGICAL INFORMATION",
              13: "DISPOSAL CONSIDERATIONS", 14: "TRANSPORT INFORMATION",
              15: "REGULATORY INFORMATION", 16: "OTHER INFORMATION"}
    for number in range(4, 17):
        w.heading(f"SECTION {number}. {titles[number]}")
        if number == 14:
            w.line("DOT (US)", bold=True)
            w.pair("UN number:", d.un_number)
            w.pair("Proper shipping name:", "Flammable liquid, n.o.s.")
            w.pair("Transport hazard class:", d.hazard_class)
            w.pair("Packing group:", d.packing_group)
        else:
            w.line(_FILLER[number])


def sds_eu(c: Canvas, d: SdsData) -> None:
    w = _Writer(c, A4, f"according to Regulation (EC) No. 1907/2006 - {d.product}")
    c.setFont("Helvetica-Bold", 15)
    c.drawString(50, w.y - 5, "Safety Data Sheet")
    c.setFont("Helvetica", 8.5)
    c.drawRightString(w.w - 50, w.y - 5, f"Revision date: {d.revision_text}   Version {d.version}")
    w.y -= 25
    w.heading("1. Identification of the substance/mixture and of the company/undertaking")
    w.line("1.1 Product identifier", bold=True)
    w.pair("Trade name", d.product)
    w.line("1.3 Details of the supplier of the safety data sheet", bold=True)
    w.pair("Company", d.supplier)
    w.pair("Street", d.address)
    w.heading("2. Hazards identification")
    w.line("2.2 Label elements", bold=True)
    w.pair("Hazard pictograms", " ".join(d.pictograms))
    w.pair("Signal word", d.signal_word)
    w.line("Hazard statements", bold=True)
    for code in d.h_codes:
        w.line(f"{code}    {H_PHRASES[code]}", indent=10)
    w.line("Precautionary statements", bold=True)
    for code in d.p_codes:
        w.line(f"{code}    {P_PHRASES[code]}", indent=10)
    w.heading("3. Composition/information on ingredients")
    w.line("3.2 Mixtures", bold=True)
    c.setFont("Helvetica-Bold", 8.5)
    w.need(12)
    for x, text in ((50, "Chemical name"), (220, "CAS No."), (310, "EC No."), (400, "Concentration")):
        c.drawString(x, w.y, text)
    w.y -= 12
    for i, (name, cas, conc) in enumerate(d.components):
        w.need(12)
        c.setFont("Helvetica", 8.5)
        c.drawString(50, w.y, name)
        c.drawString(220, w.y, cas)
        c.drawString(310, w.y, f"2{i}0-{100 + i * 7}-{i}")
        c.drawString(400, w.y, conc)
        w.y -= 12
    titles = {4: "First aid measures", 5: "Firefighting measures", 6: "Accidental release measures",
              7: "Handling and storage", 8: "Exposure controls/personal protection",
              9: "Physical and chemical properties", 10: "Stability and reactivity",
              11: "Toxicological information", 12: "Ecological information",
              13: "Disposal considerations", 14: "Transport information",
              15: "Regulatory information", 16: "Other information"}
    for number in range(4, 17):
        w.heading(f"{number}. {titles[number]}")
        if number == 14:
            w.pair("14.1 UN number", d.un_number.replace("UN", ""))
            w.pair("14.3 Transport hazard class(es)", d.hazard_class, at=170)
            w.pair("14.4 Packing group", d.packing_group)
        else:
            w.line(_FILLER[number])


SDS_LAYOUTS: dict[str, Callable[[Canvas, SdsData], None]] = {"sds_us": sds_us, "sds_eu": sds_eu}
