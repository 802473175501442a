"""Staff roles and the one permission check everything uses."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.club.staff import audit
from db import queries
from db.models import StaffRole


class Role(StrEnum):
    CUSTOMER_SERVICE = "customer_service"
    SERVICE_ADVISOR = "service_advisor"
    SALES = "sales"
    MANAGER = "manager"
    ADMIN = "admin"


class Permission(StrEnum):
    VIEW_MEMBER = "view_member"
    CREATE_JOIN_LINK = "create_join_link"
    LIST_STAFF = "list_staff"
    MANAGE_STAFF = "manage_staff"
    RECORD_VISIT = "record_visit"
    REVERSE_VISIT = "reverse_visit"
    ADJUST_POINTS = "adjust_points"
    SET_TIER = "set_tier"
    CONFIRM_FEE = "confirm_fee"
    IMPORT_DMS = "import_dms"
    CHECK_LEDGER = "check_ledger"
    BROADCAST = "broadcast"  # who may is policy: [pushes].broadcast_roles
    BROADCAST_ALL = "broadcast_all"  # a broadcast to everyone
    FOLLOW_UP = "follow_up"
    EDIT_TEMPLATES = "edit_templates"
    STAFF_TOOLS = "staff_tools"  # any staff role: tools such as /myid in the menu
    MANAGE_CATALOG = "manage_catalog"  # who may is policy: [gifts].manage_roles
    FULFIL = "fulfil"  # hand over gifts, mark vouchers used, list redemptions
    VIEW_BOOKINGS = "view_bookings"  # the day's bookings, arrivals, booking for a caller
    MANAGE_SLOTS = "manage_slots"  # who may is policy: [bookings].manage_roles
    RUN_EVENTS = "run_events"  # sign-ups, check-in, messages to attendees, questions
    MANAGE_EVENTS = "manage_events"  # who may is policy: [events].manage_roles
    HANDLE_TICKETS = "handle_tickets"  # who may is policy: [surveys].ticket_roles
    VIEW_SURVEYS = "view_surveys"  # who may is policy: [surveys].figures_roles
    CALLS = "calls"  # one's own follow-up calls after deliveries and services
    CALL_TEAM = "call_team"  # who may is policy: [calls].team_roles


ALL_ROLES = frozenset(Role)
ROLE_VALUES = frozenset(r.value for r in Role)
LEADS = frozenset({Role.MANAGER, Role.ADMIN})
DESK = frozenset({Role.CUSTOMER_SERVICE, Role.SERVICE_ADVISOR, Role.MANAGER, Role.ADMIN})
PERMISSIONS: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_MEMBER: ALL_ROLES,
    Permission.CREATE_JOIN_LINK: ALL_ROLES,
    Permission.LIST_STAFF: LEADS,
    Permission.MANAGE_STAFF: frozenset({Role.ADMIN}),
    Permission.RECORD_VISIT: ALL_ROLES,  # sales record new-car and insurance sales too
    Permission.REVERSE_VISIT: LEADS,
    Permission.ADJUST_POINTS: LEADS,
    Permission.SET_TIER: LEADS,
    Permission.CONFIRM_FEE: DESK,
    Permission.IMPORT_DMS: frozenset({Role.CUSTOMER_SERVICE, Role.MANAGER, Role.ADMIN}),
    Permission.CHECK_LEDGER: LEADS,
    Permission.BROADCAST: frozenset({Role.CUSTOMER_SERVICE, Role.MANAGER, Role.ADMIN}),
    Permission.BROADCAST_ALL: LEADS,
    Permission.FOLLOW_UP: DESK,
    Permission.EDIT_TEMPLATES: LEADS,
    Permission.STAFF_TOOLS: ALL_ROLES,
    Permission.MANAGE_CATALOG: LEADS,
    Permission.FULFIL: DESK,
    Permission.VIEW_BOOKINGS: DESK,
    Permission.MANAGE_SLOTS: LEADS,
    Permission.RUN_EVENTS: DESK,
    Permission.MANAGE_EVENTS: LEADS,
    Permission.HANDLE_TICKETS: DESK,
    Permission.VIEW_SURVEYS: LEADS,
    Permission.CALLS: ALL_ROLES,
    Permission.CALL_TEAM: LEADS,
}

# Every command and the permission it needs (None: anyone, owners included), in menu
# order. Menus and /help list exactly the commands whose permission the user's roles
# grant; each command's handler checks the same permission with `staff_only`.
COMMANDS: dict[str, Permission | None] = {
    "start": None,
    "card": None,
    "points": None,
    "upgrade": None,
    "renew": None,
    "invite": None,
    "settings": None,
    "language": None,
    "mydata": None,
    "deleteme": None,
    "gifts": None,
    "mygifts": None,
    "book": None,
    "bookings": None,
    "events": None,
    "feedback": None,
    "help": None,
    "cancel": None,
    "member": Permission.VIEW_MEMBER,
    "visit": Permission.RECORD_VISIT,
    "joinlink": Permission.CREATE_JOIN_LINK,
    "renewfee": Permission.CONFIRM_FEE,
    "import": Permission.IMPORT_DMS,
    "broadcast": Permission.BROADCAST,
    "broadcasts": Permission.BROADCAST,
    "followups": Permission.FOLLOW_UP,
    "redemptions": Permission.FULFIL,
    "fulfil": Permission.FULFIL,
    "today": Permission.VIEW_BOOKINGS,
    "day": Permission.VIEW_BOOKINGS,
    "bookfor": Permission.VIEW_BOOKINGS,
    "duebook": Permission.VIEW_BOOKINGS,
    "bookingstats": Permission.VIEW_BOOKINGS,
    "block": Permission.MANAGE_SLOTS,
    "unblock": Permission.MANAGE_SLOTS,
    "capacity": Permission.MANAGE_SLOTS,
    "newevent": Permission.MANAGE_EVENTS,
    "eventdesk": Permission.RUN_EVENTS,
    "questions": Permission.RUN_EVENTS,
    "tickets": Permission.HANDLE_TICKETS,
    "calls": Permission.CALLS,
    "surveys": Permission.VIEW_SURVEYS,
    "catalog": Permission.MANAGE_CATALOG,
    "myid": Permission.STAFF_TOOLS,
    "dmsname": Permission.STAFF_TOOLS,
    "reverse": Permission.REVERSE_VISIT,
    "adjust": Permission.ADJUST_POINTS,
    "settier": Permission.SET_TIER,
    "ledgercheck": Permission.CHECK_LEDGER,
    "templates": Permission.EDIT_TEMPLATES,
    "staff": Permission.LIST_STAFF,
    "grant": Permission.MANAGE_STAFF,
    "revoke": Permission.MANAGE_STAFF,
}


def parse_role(text: str) -> Role | None:
    text = text.strip().lower().replace("-", "_")
    aliases = {
        "cs": Role.CUSTOMER_SERVICE,
        "advisor": Role.SERVICE_ADVISOR,
        "sa": Role.SERVICE_ADVISOR,
    }
    if text in aliases:
        return aliases[text]
    try:
        return Role(text)
    except ValueError:
        return None


async def roles_of(
    session: AsyncSession, store_id: int, user_id: int, admin_ids: frozenset[int]
) -> set[Role]:
    """The user's roles in the store; configured admins are always admins."""
    roles = {
        Role(r) for r in await queries.roles_of(session, store_id, user_id) if r in ROLE_VALUES
    }
    if user_id in admin_ids:
        roles.add(Role.ADMIN)
    return roles


def allowed(
    roles: set[Role],
    permission: Permission,
    overrides: Mapping[str, tuple[str, ...]] | None = None,
) -> bool:
    """The one permission rule. `overrides` (the policy's `role_overrides`: who may
    broadcast, who may manage the catalog) replace a permission's default roles."""
    chosen = (overrides or {}).get(permission.value)
    if chosen is not None:
        return any(role.value in chosen for role in roles)
    return bool(roles & PERMISSIONS[permission])


def commands_for(
    roles: set[Role], overrides: Mapping[str, tuple[str, ...]] | None = None
) -> list[str]:
    """The commands these roles may run, in menu order (no roles: an owner's)."""
    return [
        name
        for name, permission in COMMANDS.items()
        if permission is None or allowed(roles, permission, overrides)
    ]


async def grant(
    session: AsyncSession, store_id: int, actor_id: int, user_id: int, role: Role
) -> bool:
    """Give `user_id` a role; False if they already had it."""
    if await queries.staff_role(session, store_id, user_id, role) is not None:
        return False
    session.add(
        StaffRole(store_id=store_id, telegram_user_id=user_id, role=role, granted_by=actor_id)
    )
    audit.record(session, store_id, actor_id, "staff.grant", f"user:{user_id}", role=str(role))
    return True


async def revoke(
    session: AsyncSession, store_id: int, actor_id: int, user_id: int, role: Role
) -> bool:
    """Take a role away; False if they did not have it."""
    row = await queries.staff_role(session, store_id, user_id, role)
    if row is None:
        return False
    await session.delete(row)
    audit.record(session, store_id, actor_id, "staff.revoke", f"user:{user_id}", role=str(role))
    return True


async def staff_list(
    session: AsyncSession, store_id: int, admin_ids: frozenset[int]
) -> dict[int, set[Role]]:
    """Every staff user id with their roles (configured admins included)."""
    out: dict[int, set[Role]] = {uid: {Role.ADMIN} for uid in admin_ids}
    for row in await queries.all_staff_roles(session, store_id):
        if row.role in ROLE_VALUES:
            out.setdefault(row.telegram_user_id, set()).add(Role(row.role))
    return out
