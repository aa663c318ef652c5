"""The demo ERP: a fictional distributor's master data and history, written as an ERP would."""
