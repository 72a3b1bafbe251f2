"""Duty of care (Verkehrssicherungspflicht): inspections as evidence, storms, clearance hazards.

Pure modules: :mod:`checklists` (inspection types, checklists, intervals), :mod:`chain` (hash
chain of the records), :mod:`findings` (severity → deadline and follow-up order), :mod:`overview`
(due and overdue inspections), :mod:`protocol` (PDF), :mod:`export` (insurer export). The use
cases are in :mod:`service`; all database reads and writes in :mod:`store_io`. The prediction
libraries it uses live in ``forecasting`` (storms, storm risk score, clearance regrowth).
See docs/duty.md.
"""
