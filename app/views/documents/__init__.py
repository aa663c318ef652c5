"""Supplier documents: the queue, reading files, and the review screen."""
