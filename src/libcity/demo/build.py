"""Build the demo city: the network, the staff, the readers, the catalogue, a year of loans and
the day's holds and transits.

``demo_build`` is what ``libcity demo`` runs. The whole build is one transaction, whatever the
scale (a million readers included): a failed build leaves an empty database, never half a city
that a second run would refuse to complete.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count

from libcity.catalogue.models import Item, Record
from libcity.circulation.models import OPEN_STATUSES, Loan, LoanStatus
from libcity.core import clock
from libcity.demo.activity import activity_build
from libcity.demo.catalogue import CatalogueCounts, catalogue_build, search_reindex
from libcity.demo.drifting import drift_build
from libcity.demo.places import DISTRICTS
from libcity.demo.plan import SCALES, CityPlan, city_plan
from libcity.demo.registration import (
    BulkRegistrar,
    Progress,
    demo_login_link,
    demo_person,
    people_maker,
    readers_register,
)
from libcity.demo.waiting import waiting_build
from libcity.holds.models import Hold
from libcity.holds.services import locker_slots_set
from libcity.logistics.models import OPEN as TRANSITS_OPEN
from libcity.logistics.models import Transit
from libcity.network.models import Operator, Unit, UnitKind, UnitTier
from libcity.network.services import (
    operator_create,
    transport_cost_set,
    unit_add_closed_date,
    unit_create,
    unit_set_timetable,
)
from libcity.readers.models import Reader
from libcity.readers.services import categories_ensure
from libcity.selfservice.models import ChecksumMode, Encoding, TerminalKind
from libcity.selfservice.services import sort_bin_set, terminal_create
from libcity.staff.models import Role, StaffAssignment
from libcity.staff.services import staff_assign, staff_create

DEMO_PASSWORD = "demo"
DEMO_READER = "reader"
PARTNER_UNIT = "gz-yuexiu-mb001"
LOCKER_SLOTS = 24  # slots of every demo locker
TERMINAL_DISTRICT = "gz-yuexiu"  # where the GB18030 kiosk stands


class CityNotEmpty(Exception):
    """The database already holds units: the demo city is built only into an empty one."""


@dataclass
class DemoSummary:
    scale: str
    seed: int
    units_by_kind: dict[str, int]
    units_by_tier: dict[str, int]
    operators: int
    readers: int
    staff: int
    seconds: float
    records: int = 0
    items: int = 0
    items_by_status: dict[str, int] = field(default_factory=dict)
    catalogue_notes: list[str] = field(default_factory=list)
    loans: int = 0  # in the year before the build
    loans_open: int = 0  # still out now
    loans_overdue: int = 0  # of those, past their due date
    holds_by_status: dict[str, int] = field(default_factory=dict)
    transits_open: int = 0

    @property
    def units(self) -> int:
        return sum(self.units_by_kind.values())


def city_is_empty() -> bool:
    return not Unit.objects.exists()


def demo_build(
    *,
    scale: str,
    seed: int,
    readers: int | None = None,
    bulk: bool | None = None,
    batch_size: int = 5_000,
    records: int | None = None,
    items: int | None = None,
    loans: int | None = None,
    progress: Progress | None = None,
) -> DemoSummary:
    """Build the city of ``scale`` for ``seed`` into an empty database.

    ``readers`` and ``bulk`` override the scale's reader count and registration path (tests
    use a few readers through the bulk path); ``records`` and ``items`` the size of the
    generated catalogue (both 0: no catalogue at all, not even the real MARC files, and no
    loans); ``loans`` the loans of the year (0: none).
    """
    started = time.monotonic()
    since = clock.now()
    size = SCALES[scale]
    plan = city_plan(size, seed)
    count = size.readers if readers is None else readers
    use_bulk = size.bulk if bulk is None else bulk
    say = progress or (lambda _line: None)
    with transaction.atomic():
        units, staff = _network_and_staff(plan, say)
        reader = _readers(plan, seed, units, count, bulk=use_bulk, batch_size=batch_size, say=say)
        books = size.records if records is None else records
        copies = size.items if items is None else items
        catalogue = None
        if books or copies:  # both 0: a city without a catalogue (network and reader tests)
            catalogue = catalogue_build(plan=plan, seed=seed, units=units, records=books,
                                        items=copies, index=False, progress=say)  # fmt: skip
            drift_build(units, PARTNER_UNIT)
            lent = size.loans if loans is None else loans
            if lent:
                activity_build(seed=seed, loans=lent, built_since=since, favourite=reader.pk,
                               progress=say)  # fmt: skip
                waiting_build(seed=seed, favourite=reader, progress=say)
            catalogue.indexed = search_reindex(progress=say)  # after the loans: availability
        demo_passwords_set([*staff, reader.user])
    return demo_summary(scale, seed, time.monotonic() - started, catalogue)


def _network_and_staff(plan: CityPlan, say: Progress) -> tuple[dict[str, Unit], list]:
    if not city_is_empty():
        raise CityNotEmpty("The database already holds units.")
    started = time.monotonic()
    units = network_build(plan)
    say(f"network: {len(units)} units ({time.monotonic() - started:.1f} s)")
    staff = staff_build(units)
    say(f"staff: {len(staff)} logins ({time.monotonic() - started:.1f} s)")
    terminals = terminals_build(units)
    say(f"terminals: {', '.join(terminals)} (secret 'demo')")
    return units, staff


# --- network --------------------------------------------------------------------------------


def network_build(plan: CityPlan) -> dict[str, Unit]:
    operators = {
        o.code: operator_create(
            code=o.code, name_zh=o.name_zh, name_en=o.name_en, kind=o.kind, contact=o.contact
        )
        for o in plan.operators
    }
    units: dict[str, Unit] = {}
    for u in plan.units:
        unit = unit_create(
            code=u.code, name_zh=u.name_zh, name_en=u.name_en, kind=u.kind, tier=u.tier,
            parent=units[u.parent] if u.parent else None, operator=operators[u.operator],
            latitude=u.latitude, longitude=u.longitude, address_zh=u.address_zh,
            address_en=u.address_en, open_24h=u.open_24h, residents=u.residents,
        )  # fmt: skip
        if u.timetable:
            unit_set_timetable(unit=unit, timetable=u.timetable)
        if unit.kind == UnitKind.LOCKER:
            locker_slots_set(unit=unit, count=LOCKER_SLOTS, actor=None)
        units[u.code] = unit
    for closed in plan.closed:
        unit_add_closed_date(
            unit=units[closed.unit], date=closed.date, reason=closed.reason,
            include_descendants=closed.include_descendants,
        )  # fmt: skip
    for cost in plan.transport:
        transport_cost_set(
            from_unit=units[cost.from_unit], to_unit=units[cost.to_unit], cost=cost.cost,
            minutes=cost.minutes,
        )  # fmt: skip
    return units


# --- staff ----------------------------------------------------------------------------------


def staff_build(units: dict[str, Unit]) -> list:
    """The demo logins, every one with the password ``demo`` (see ``demo_passwords_set``)."""
    root = units["gz-central"]
    admin = _staff("admin", "网络管理员 Network administrator", Role.NETWORK_ADMIN, root)
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["is_staff", "is_superuser"])
    staff = [
        admin,
        _staff("desk", "中心馆前台 Central desk", Role.DESK, root, include_descendants=False),
        _staff("cataloguer", "编目员 Cataloguer", Role.CATALOGUER, root),
        _staff("logistics", "物流调度 Logistics", Role.LOGISTICS, root),
    ]
    for d in DISTRICTS:
        title = f"{d.name_zh}图书馆馆长 {d.en} branch manager"
        staff.append(_staff(f"manager-{d.slug}", title, Role.BRANCH_MANAGER, units[f"gz-{d.slug}"]))
    partner = units.get(PARTNER_UNIT) or next(
        u for u in units.values() if u.kind == UnitKind.MICRO_BRANCH
    )
    staff.append(_staff(
        "partner", f"{partner.name_zh} 合作方", Role.PARTNER_OPERATOR, partner,
        include_descendants=False,
    ))  # fmt: skip
    return staff


def _staff(username, display_name, role, unit, *, include_descendants=True):
    # No password yet (an unusable one): ``demo_passwords_set`` gives every login the same
    # hash of "demo" afterwards.
    user = staff_create(
        username=username, password=None, display_name=display_name[:150],
        check_password=False,
    )  # fmt: skip
    staff_assign(user=user, role=role, unit=unit, include_descendants=include_descendants)
    return user


# --- self-service terminals -----------------------------------------------------------------


def terminals_build(units: dict[str, Unit]) -> list[str]:
    """The demo's machines, each with the secret ``demo``: a UTF-8 kiosk and a return sorter
    at the central library, a GB18030 kiosk with a lenient checksum (as many Chinese vendors'
    machines need) at a district library, and the gate of a 24-hour study room."""
    central = units["gz-central"]
    district = units.get(TERMINAL_DISTRICT) or next(
        u for u in units.values() if u.tier == UnitTier.DISTRICT
    )
    made = [
        _terminal("kiosk", central, kind=TerminalKind.KIOSK, name="中心馆自助借还机 1"),
        _terminal("kiosk-gbk", district, kind=TerminalKind.KIOSK, encoding=Encoding.GB18030,
                  checksum=ChecksumMode.LENIENT, name=f"{district.name_zh}自助借还机"),
        _terminal("sorter", central, kind=TerminalKind.SORTER, default_bin="9",
                  name="中心馆还书分拣机"),
    ]  # fmt: skip
    for action, bin in (("shelve", "1"), ("hold_shelf", "2"), ("transit", "3")):
        sort_bin_set(terminal=made[-1], action=action, bin=bin, actor=None)
    room = next((u for u in units.values() if u.kind == UnitKind.STUDY_ROOM_24H), None)
    if room is not None:
        made.append(_terminal("gate", room, kind=TerminalKind.GATE, name=f"{room.name_zh}门禁"))
    return [t.login for t in made]


def _terminal(login: str, unit: Unit, **settings):
    terminal, _secret = terminal_create(
        login=login, unit=unit, actor=None, secret=DEMO_PASSWORD, **settings
    )
    return terminal


# --- readers --------------------------------------------------------------------------------


def _readers(
    plan: CityPlan,
    seed: int,
    units: dict[str, Unit],
    count: int,
    *,
    bulk: bool,
    batch_size: int,
    say: Progress,
) -> Reader:
    """``count`` readers, the first the demo reader with its login; returns that one."""
    categories_ensure()
    maker = people_maker(plan, seed)
    person = demo_person(maker)
    (reader,) = readers_register([person], units=units).values()
    demo_login_link(reader, username=DEMO_READER)
    others = maker.make(max(0, count - 1))
    if bulk:
        registrar = BulkRegistrar(units=units, progress=say)
        registrar.guardians[person.index] = (reader.pk, reader.card_number)
        registrar.register(others, batch_size=batch_size)
    else:
        readers_register(others, units=units, progress=say, known={person.index: reader})
    return reader


def demo_passwords_set(users: list) -> None:
    """Every demo login (staff and the reader) gets the password ``demo``.

    The hash is computed once and shared: PBKDF2 at Django's cost takes about half a second
    per hash, and the password is public anyway. Django re-hashes it with a fresh salt at the
    first login of each account if the hasher's settings change.
    """
    get_user_model().objects.filter(pk__in=[u.pk for u in users]).update(
        password=make_password(DEMO_PASSWORD)
    )


# --- summary --------------------------------------------------------------------------------


def demo_summary(
    scale: str, seed: int, seconds: float, catalogue: CatalogueCounts | None = None
) -> DemoSummary:
    def units_by(field: str) -> dict[str, int]:
        rows = Unit.objects.order_by(field).values_list(field).annotate(n=Count("pk"))
        return dict(rows.values_list(field, "n"))

    return DemoSummary(
        scale=scale,
        seed=seed,
        units_by_kind=units_by("kind"),
        units_by_tier=units_by("tier"),
        operators=Operator.objects.count(),
        readers=Reader.objects.count(),
        staff=get_user_model()
        .objects.filter(pk__in=StaffAssignment.objects.exclude(role=Role.MACHINE).values("user"))
        .count(),
        seconds=seconds,
        records=Record.objects.count(),
        items=Item.objects.count(),
        items_by_status=dict(
            Item.objects.order_by("status").values_list("status").annotate(n=Count("pk"))
        ),
        catalogue_notes=list(catalogue.notes) if catalogue else [],
        loans=Loan.objects.count(),
        loans_open=Loan.objects.filter(status__in=OPEN_STATUSES).count(),
        loans_overdue=Loan.objects.filter(status=LoanStatus.OVERDUE).count(),
        holds_by_status=dict(
            Hold.objects.order_by("status").values_list("status").annotate(n=Count("pk"))
        ),
        transits_open=Transit.objects.filter(status__in=TRANSITS_OPEN).count(),
    )
