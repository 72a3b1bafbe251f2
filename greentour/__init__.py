"""greentour package."""
