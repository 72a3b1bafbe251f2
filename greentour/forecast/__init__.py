"""Forecasting of the town: weather import (:mod:`.weather`), inputs from the store
(:mod:`.inputs`), computation (:mod:`.compute`), stored forecasts (:mod:`.store_io`) and the use
cases (:mod:`.service`). See docs/forecasting.md.
"""
