"""What a visit tells about its car: one rule for staff-recorded and imported visits.

A maintenance visit on or after the car's last service date becomes its last service;
any visit with an odometer reading, on or after the date of the last reading, becomes
its mileage. Visits are applied in the order they are recorded (or appear in a file),
so of two visits on the same day the later one wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

# Visits that reset the regular-maintenance clock (a repair does not).
SERVICE_CATEGORIES = frozenset({"maintenance", "first_maintenance"})


@dataclass(frozen=True, slots=True)
class CarReadings:
    last_service_date: date | None = None
    last_mileage: int | None = None
    last_mileage_date: date | None = None


def advanced(
    readings: CarReadings, visit_date: date, mileage: int | None, category: str
) -> CarReadings:
    """The car's readings after a visit (the same object when the visit changes nothing)."""
    service = readings.last_service_date
    if category in SERVICE_CATEGORIES and (service is None or visit_date >= service):
        service = visit_date
    km, km_date = readings.last_mileage, readings.last_mileage_date
    if mileage is not None and (km_date is None or visit_date >= km_date):
        km, km_date = mileage, visit_date
    if (service, km, km_date) == (
        readings.last_service_date,
        readings.last_mileage,
        readings.last_mileage_date,
    ):
        return readings
    return CarReadings(service, km, km_date)
