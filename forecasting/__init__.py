"""Forecasting for green-space crews: weather and sensors in, due dates with reasons out.

Readers (``weather``, ``dwd_products``, ``sensors``, ``growth_data``), drivers (``drivers``,
``water``, ``planning``), models (``grass``, ``lawn``, ``hedges``, ``trees``, ``workability``) and
the entry point :func:`forecasting.forecast.forecast_site`. Never imports greentour, Flask or
SQLAlchemy. See docs/forecasting.md.
"""
