"""Receiving inspection: the inspector's list of lots to inspect and the one-screen form."""
