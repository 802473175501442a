"""Localised labels shared by several features (error codes, join channels, roles)."""

from __future__ import annotations

from bot.i18n import N_, Translator

ERRORS: dict[str, str] = {
    # bot.club.common.validation.ValidationCode
    "phone_invalid": N_(
        "That does not look like a phone number. Please send an 11-digit "
        "mobile number, e.g. 138 1234 5678."
    ),
    "phone_not_mobile": N_("Please give a mobile number; landlines cannot receive our messages."),
    "plate_invalid": N_(
        "That is not a licence plate we recognise. Examples: 粤B12345, 沪AD12345 (new energy)."
    ),
    "vin_length": N_("A VIN has exactly 17 characters. Please check and send it again."),
    "vin_chars": N_("A VIN uses only digits and the letters A–Z without I, O and Q."),
    "vin_check_digit": N_(
        "That VIN does not add up (its 9th character is a check digit). "
        "Please copy it again from the registration certificate."
    ),
    "date_invalid": N_("Please send a date like 2024-03-18."),
    "date_in_future": N_("That date is in the future."),
    "date_too_old": N_("That date is too long ago to be right."),
    "name_empty": N_("Please send a name."),
    "name_too_long": N_("That name is too long; 40 characters at most."),
    "model_empty": N_("Please send the car model."),
    "model_too_long": N_("That model name is too long; 60 characters at most."),
    "amount_invalid": N_("Please send an amount in yuan, e.g. 1280 or ¥1,280.50."),
    "amount_negative": N_("The amount cannot be negative."),
    "mileage_invalid": N_("Please send the mileage in km, e.g. 35000."),
    # bot.club.visits.record.VisitError
    "unknown_plate": N_("No member's car has that plate."),
    "amount_too_large": N_("That amount is too large for one visit; please check it."),
    "date_before_delivery": N_("That date is before the car was delivered."),
    "order_no_invalid": N_("Please send the DMS order number (up to 40 characters)."),
    "duplicate_order": N_("This order number was recorded already; it is never counted twice."),
    "unknown_order": N_("No visit has that order number."),
    "already_reversed": N_("This visit was reversed already."),
    "reason_missing": N_("Please give a reason."),
    # bot.club.imports.dms rows, and visits in chat (the other import codes are in
    # handlers.imports)
    "category_unknown": N_("That is not one of the store's spend categories."),
    # The join, visit form and broadcast errors live in handlers/join.py, visits.py,
    # broadcast.py and forms.py, next to their texts.
}

CHANNELS: dict[str, str] = {
    "new_car": N_("Bought a new car here"),
    "bring_car": N_("Brought my car in for service"),
    "spending": N_("Through spending at the store"),
    "driver_training": N_("Through driver training"),
    "fee": N_("Paid the membership fee"),
}

# The kinds of unasked messages (reminders, alerts, notices) owners choose in /settings.
PUSH_KINDS: dict[str, str] = {
    "weather": N_("Weather alerts"),
    "activity": N_("Activity notices"),
    "first_maintenance": N_("First maintenance"),
    "regular_maintenance": N_("Regular maintenance"),
    "warranty": N_("Warranty expiry"),
    "inspection": N_("Annual inspection"),
    "insurance": N_("Insurance expiry"),
    "birthday": N_("Birthday wishes"),
    "membership": N_("Membership expiry"),
    "holiday": N_("Holiday greetings"),
    "points_expiry": N_("Points about to expire"),
}

ROLES: dict[str, str] = {
    "customer_service": N_("customer service"),
    "service_advisor": N_("service advisor"),
    "sales": N_("sales consultant"),
    "manager": N_("customer-service manager"),
    "admin": N_("admin"),
}


def error_text(t: Translator, code: str) -> str:
    return t.gettext(ERRORS.get(code, N_("Something is not right with that answer.")))


def channel_label(t: Translator, channel: str) -> str:
    return t.gettext(CHANNELS[channel]) if channel in CHANNELS else channel


def role_label(t: Translator, role: str) -> str:
    return t.gettext(ROLES[role]) if role in ROLES else role


def push_kind_label(t: Translator, kind: str) -> str:
    return t.gettext(PUSH_KINDS[kind]) if kind in PUSH_KINDS else kind


def who(t: Translator, user_id: int | None, name: str | None, me: int) -> str:
    """A staff member as a colleague reads them: "you", their name, or their id."""
    if user_id == me:
        return t.gettext("you")
    return name or t.gettext("staff member {id}", id=user_id or "—")
