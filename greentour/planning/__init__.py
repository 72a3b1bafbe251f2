"""The plan service and the planner's workplace services.

* :mod:`.lineup` — morning line-up (Tagesbesetzung) from templates minus absences;
* :mod:`.shifts` — shift and break times from the tenant configuration.

Every function takes a tenant session (:func:`greentour.store.tenant_session`); none imports Flask.
"""
