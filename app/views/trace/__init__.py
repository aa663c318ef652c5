"""Tracing a lot: the genealogy graph and where its material is."""
