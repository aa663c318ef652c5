"""Many workstations on one shared database, under load and faults (issue: shared database).

    python -m benchmarks.soak [--workstations 50] [--minutes 10] [--data-dir DIR] [--report FILE]

Starts a throwaway embedded PostgreSQL, seeds the small demo, gives every simulated workstation a
login role of its own, and runs them (threads in a few worker processes, plus single-workstation
processes that can be killed) doing the daily mix while a simulated ERP receives and ships.
Faults are injected on a schedule; after each, and at the end, the database is checked against
the ledgers the workstations kept of what they saw. Exit code 1 if any check fails.
"""
