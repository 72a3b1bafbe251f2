"""Planner read models: what the planner's pages show (live progress of the day, ...)."""
