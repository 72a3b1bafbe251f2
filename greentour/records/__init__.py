"""Work records (Leistungserfassung): hours, machines and kilometres booked to cost centres.

Pure modules: :mod:`~greentour.records.rates` (the town's settings), :mod:`~.booking` (the
booking rules), :mod:`~.report` (sums and charts), :mod:`~.csv_layouts` (exports). Use cases in
:mod:`~.service`, the one store module :mod:`~.store_io`, the CLI in :mod:`~.cli`. See
docs/records.md.
"""
