"""Supplier documents: reading (text layer and OCR), classification, COA/SDS fields with
provenance, lot-code matching and GS1 barcode data. Pure Python: no Qt, no database.

Entry points: ``app.documents.extract.extract_file`` / ``extract_bytes``,
``app.documents.lot_matching.rank_lots``, ``app.documents.gs1.parse_gs1``.
See docs/extraction.md.
"""
