"""Nonconformance reports, CAPAs and SCARs: the board, the record and its steps."""
