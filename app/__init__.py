"""Lotproof: quality and compliance workstation for distributors of regulated goods."""

__version__ = "0.1.0"
