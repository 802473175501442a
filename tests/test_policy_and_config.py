"""The club policy file and the settings are validated at start, naming the bad key."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from bot.club.points.tiers import add_months, membership_valid_until, next_tier, tier_for_points
from bot.club.policy.model import PolicyError, load_policy
from bot.config import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_follow_the_dealership_documents():
    policy = load_policy()
    assert [t.code for t in policy.tiers] == ["silver", "gold", "vip"]
    assert policy.valid_months == 12
    assert policy.renewal_points_cost == 500 and policy.renewal_insurance_min_fen == 300_000
    assert policy.upgrade_points_cost == 2000 and policy.upgrade_single_repair_min_fen == 100_000
    assert policy.tier("vip").threshold == 10_000
    assert "15% off labour" in policy.tier("vip").benefit_texts("en")


def test_a_dealer_file_overrides_only_what_it_names(tmp_path):
    policy = load_policy(write(tmp_path, "[membership]\nvalid_months = 24\n"))
    assert policy.valid_months == 24 and policy.renewal_points_cost == 500


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[membership]\nvalid_month = 12\n", "[membership].valid_month"),
        ("[membership]\nvalid_months = 0\n", "[membership].valid_months"),
        ("[renewal]\npoints_cost = -5\n", "[renewal].points_cost"),
        ("[membership]\nstarting_tier = 'platinum'\n", "[membership].starting_tier"),
        ("[join]\nchannels = ['walk_in']\n", "[join].channels"),
        ("[loyalty]\nx = 1\n", "loyalty"),
        (
            "[[tiers]]\ncode = 'a'\nthreshold = 10\nname = {zh_Hans = '甲', en = 'A'}\n",
            "tiers[0].threshold",
        ),
        ("[[tiers]]\ncode = 'a'\nthreshold = 0\nname = {en = 'A'}\n", "tiers[0].name.zh_Hans"),
        (
            "[[tiers]]\ncode = 'a'\nthreshold = 0\ncolor = 'red'\n"
            "name = {zh_Hans = '甲', en = 'A'}\n",
            "tiers[0].color",
        ),
        ("membership = [", "not valid TOML"),
        ("[gifts]\nmanage_roles = ['boss']\n", "[gifts].manage_roles"),
        ("[gifts]\ncollect_days = 0\n", "[gifts].collect_days"),
        (
            "[gifts]\nrestock_notice = {zh_Hans = '到货了', en = 'It is back'}\n",
            "[gifts].restock_notice",
        ),
        ("[bookings.hours]\nmon = '8:30-17:30'\n", "[bookings].hours.mon"),
        ("[bookings.hours]\nmon = '17:30-08:30'\n", "[bookings].hours.mon"),
        ("[bookings]\nslot_minutes = 7\n", "[bookings].slot_minutes"),
        ("[bookings]\nclosed = ['2027-02-30']\n", "[bookings].closed"),
        ("[bookings]\nclosed = ['Christmas']\n", "[bookings].closed"),
        ("[bookings]\nlatitude = 23.1\n", "[bookings].longitude"),
        ("[bookings]\nlatitude = 123.1\nlongitude = 1.0\n", "[bookings].latitude"),
        ("[bookings]\nevening_reminder_at = '7pm'\n", "[bookings].evening_reminder_at"),
        ("[bookings]\nmanage_roles = ['boss']\n", "[bookings].manage_roles"),
        ("[bookings]\nservices = []\n", "[bookings].services"),
        ("[events]\nmanage_roles = []\n", "[events].manage_roles"),
        ("[events]\noffer_hours = 0\n", "[events].offer_hours"),
        ("[events]\nreminder_at = '25:00'\n", "[events].reminder_at"),
        ("[events]\nanswer_hours = 'two days'\n", "[events].answer_hours"),
        ("[events]\nseats = 10\n", "[events].seats"),
        (
            "[[bookings.services]]\ncode = 'wash'\nminutes = 45\ncapacity = 1\n"
            "name = {zh_Hans = '洗车', en = 'Wash'}\n",
            "[bookings].services[0].minutes",
        ),
        (
            "[[bookings.services]]\ncode = 'wash'\nminutes = 30\ncapacity = 1\n"
            "category = 'washing'\nname = {zh_Hans = '洗车', en = 'Wash'}\n",
            "[bookings].services[0].category",
        ),
    ],
)
def test_bad_policy_names_the_key(tmp_path, text, key):
    with pytest.raises(PolicyError) as err:
        load_policy(write(tmp_path, text))
    assert key in str(err.value)


def test_gift_rules_default_to_managers_and_a_month_of_notice(tmp_path):
    policy = load_policy()
    assert policy.gifts.manage_roles == ("manager", "admin")
    assert policy.gifts.expiry_reminder_days == 30 and not policy.gifts.expired_vouchers_refund
    assert policy.role_overrides["manage_catalog"] == ("manager", "admin")
    own = load_policy(write(tmp_path, "[gifts]\nmanage_roles = ['customer_service']\n"))
    assert own.role_overrides["manage_catalog"] == ("customer_service",)


def test_booking_rules_default_to_the_dealership_documents_and_a_file_changes_them(tmp_path):
    bookings = load_policy().bookings
    assert bookings.lead_hours == 3 and bookings.days_ahead == 14  # SOURCES: 3 hours ahead
    assert bookings.enabled and bookings.service_for("maintenance").code == "regular_maintenance"
    assert bookings.opening(date(2026, 12, 7)) == (time(8, 30), time(17, 30))  # a Monday
    assert bookings.opening(date(2027, 10, 1)) is None  # National Day, every year
    own = load_policy(
        write(
            tmp_path,
            "[bookings]\nclosed = ['2027-02-17']\nlatitude = 23.13\nlongitude = 113.26\n"
            "address = { zh_Hans = '广州市天河路 1 号', en = '1 Tianhe Road, Guangzhou' }\n"
            "[bookings.hours]\nsun = 'closed'\n"
            "[[bookings.services]]\ncode = 'wash'\nminutes = 30\ncapacity = 3\n"
            "name = {zh_Hans = '洗车', en = 'Wash'}\n",
        )
    ).bookings
    assert [s.code for s in own.services] == ["wash"]  # the list is replaced whole
    assert own.opening(date(2027, 2, 17)) is None and own.opening(date(2026, 12, 6)) is None
    assert own.opening(date(2026, 12, 5)) == (time(9), time(17))  # Saturday kept
    assert own.location == (23.13, 113.26) and own.address["en"].startswith("1 Tianhe")


def test_missing_policy_file(tmp_path):
    with pytest.raises(PolicyError, match="does not exist"):
        load_policy(tmp_path / "nope.toml")


def test_tier_rules():
    policy = load_policy()
    assert tier_for_points(policy, 0).code == "silver"
    assert tier_for_points(policy, 4999).code == "silver"
    assert tier_for_points(policy, 5000).code == "gold"
    assert tier_for_points(policy, 250_000).code == "vip"
    upcoming = next_tier(policy, "silver", 1200)
    assert upcoming.tier.code == "gold" and upcoming.points_needed == 3800
    assert next_tier(policy, "vip", 20_000) is None


def test_membership_lasts_a_year_and_month_ends_clamp():
    from datetime import date

    policy = load_policy()
    assert membership_valid_until(policy, date(2026, 11, 24)) == date(2027, 11, 24)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_settings_from_environment():
    settings = load_settings(
        {
            "BOT_TOKEN": "1:x",
            "ADMIN_IDS": "1, 2;3",
            "STORE_TIMEZONE": "Asia/Urumqi",
            "DATABASE_URL": "postgresql+asyncpg://u:p@h/db",
            "DEFAULT_LOCALE": "en",
        }
    )
    assert settings.admin_ids == {1, 2, 3}
    assert settings.store_timezone == "Asia/Urumqi"
    assert settings.database_url.startswith("postgresql+asyncpg")
    assert not settings.use_webhook
    assert settings.bot_api_base_url == "https://api.telegram.org/bot"


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({}, "BOT_TOKEN"),
        ({"BOT_TOKEN": "1:x", "ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"BOT_TOKEN": "1:x", "STORE_TIMEZONE": "Mars/Base"}, "STORE_TIMEZONE"),
        ({"BOT_TOKEN": "1:x", "DEFAULT_LOCALE": "fr"}, "DEFAULT_LOCALE"),
        ({"BOT_TOKEN": "1:x", "WEBHOOK_URL": "https://x/hook"}, "WEBHOOK_SECRET"),
        ({"BOT_TOKEN": "1:x", "WEBHOOK_PORT": "http"}, "WEBHOOK_PORT"),
    ],
)
def test_bad_settings_name_the_key(env, key):
    with pytest.raises(ConfigError, match=key):
        load_settings(env)


def test_event_rules_default_to_the_dealership_documents_and_a_file_changes_them(tmp_path):
    events = load_policy().events
    assert events.answer_hours == 48  # SOURCES: every question answered within 48 h
    assert events.reminder_at is not None and events.reminder_at.hour == 19
    assert load_policy().role_overrides["manage_events"] == events.manage_roles
    own = load_policy(write(tmp_path, "[events]\nreminder_at = ''\noffer_hours = 2\n")).events
    assert own.reminder_at is None and own.offer_hours == 2
