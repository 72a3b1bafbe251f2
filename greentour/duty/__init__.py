"""Duty of care (Verkehrssicherungspflicht): inspections as evidence, storms, clearance hazards.

Pure modules: :mod:`checklists` (inspection types, checklists, intervals), :mod:`chain` (hash
chain of the records), :mod:`findings` (severity → deadline and follow-up order), :mod:`overview`
(due and overdue inspections), :mod:`protocol` (PDF). Use cases: :mod:`service` (records,
corrections, chain check, follow-ups, photos, overview, storm rounds, risk score, exports) and
:mod:`hazards` (predicted clearance violations and the clearance tasks for demand; apart because
the demand service imports it). All database reads and writes: :mod:`store_io`. CLI:
:mod:`cli`. The prediction libraries live in ``forecasting`` (storms, storm_risk, clearance).
See docs/duty.md.
"""
