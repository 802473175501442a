"""Maintenance booking: slots, places, booking, moving and cancelling, the day sheet."""
