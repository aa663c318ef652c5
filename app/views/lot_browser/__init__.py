"""Finding lots: the virtual lot table, its filters and the selected lot's detail."""
