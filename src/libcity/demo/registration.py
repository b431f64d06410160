"""Readers of the demo city: one service call each (small), or bulk rows (district, city).

The bulk path writes exactly what ``reader_register`` writes (the same hash, card numbers from
the same sequence, the same policy defaults and history row), a batch at a time: the service
takes a dozen queries per reader, a batch takes five statements for thousands.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, models

from libcity.core import clock
from libcity.core.identifiers import card_number_from_sequence, resident_id_hash
from libcity.core.models import Sequence
from libcity.demo.people import Home, PeopleMaker, Person
from libcity.demo.places import DISTRICTS
from libcity.demo.plan import CityPlan
from libcity.network.models import Unit, UnitTier
from libcity.readers import policies
from libcity.readers.models import (
    Card,
    CardStatus,
    Reader,
    ReaderCategory,
    ReaderHistory,
    ReaderStatus,
    RegistrationChannel,
)
from libcity.readers.services import reader_register
from libcity.readers.services.cards import CARD_SEQUENCE

CHANNEL = RegistrationChannel.IMPORT
DEMO_READER_HOME = "gz-yuexiu"
BATCH_SIZE = 5_000
# Within a district, where readers hold their card: the district library, the town and street
# branches (by the residents they serve), the community rooms.
HOME_SHARES = {UnitTier.DISTRICT: 0.3, UnitTier.BRANCH: 0.5, UnitTier.COMMUNITY: 0.2}

Progress = Callable[[str], None]


def homes_from_plan(plan: CityPlan) -> list[Home]:
    """Every library a reader may call home, weighted by the residents it serves."""
    residents = {d.slug: d.residents for d in DISTRICTS}
    homes = []
    for slug in residents:
        units = [u for u in plan.units if u.district == slug and u.tier in HOME_SHARES]
        for tier, share in HOME_SHARES.items():
            of_tier = [u for u in units if u.tier == tier]
            served = sum(u.residents or 1 for u in of_tier)
            for unit in of_tier:
                weight = residents[slug] * share * (unit.residents or 1) / served
                homes.append(Home(unit.code, slug, weight))
    return homes


def people_maker(plan: CityPlan, seed: int) -> PeopleMaker:
    """The residents of the city for ``seed``; ages count from 1 January of this year."""
    rng = random.Random(f"libcity-demo-people-{seed}")
    return PeopleMaker(rng, homes_from_plan(plan), year=clock.today().year)


def demo_person(maker: PeopleMaker) -> Person:
    """The adult behind the ``reader`` login, at the Yuexiu district library."""
    return maker.one(category="adult", home=Home(DEMO_READER_HOME, "yuexiu", 1.0))


def categories_by_code() -> dict[str, ReaderCategory]:
    return {c.code: c for c in ReaderCategory.objects.all()}


# --- one service call per reader ------------------------------------------------------------


def readers_register(
    people: Iterable[Person],
    *,
    units: dict[str, Unit],
    progress: Progress | None = None,
    known: dict[int, Reader] | None = None,
) -> dict[int, Reader]:
    """Register through ``reader_register``; guardians come before their wards (``known``:
    readers registered earlier who may be guardians)."""
    categories = categories_by_code()
    registered: dict[int, Reader] = dict(known or {})
    started = time.monotonic()
    for person in people:
        registered[person.index] = reader_register(
            name=person.name, resident_id=person.resident_id,
            category=categories[person.category], home_unit=units[person.home_unit],
            actor=None, channel=CHANNEL, phone=person.phone, email=person.email,
            guardian=registered[person.guardian] if person.guardian is not None else None,
        )  # fmt: skip
        if progress and len(registered) % 1000 == 0:
            progress(f"readers: {len(registered)} registered ({time.monotonic() - started:.1f} s)")
    return registered


def demo_login_link(reader: Reader, *, username: str, password: str | None = None) -> None:
    """Give the reader a login (self-registration would refuse the weak demo password)."""
    user = get_user_model().objects.create_user(username, password=password)
    reader.user = user
    reader.save(update_fields=["user"])
    ReaderHistory.objects.create(
        reader=reader, action="login_linked", actor=None, details={"username": username}
    )


# --- bulk rows ------------------------------------------------------------------------------


class BulkRegistrar:
    """Writes readers, cards and history rows in batches, as ``reader_register`` would.

    Rows go in by ``executemany`` with values adapted by each field (``get_db_prep_save``,
    what the ORM does): a million readers through ``bulk_create`` spend most of their time
    compiling model instances into SQL. Columns not set here get the field's default.
    """

    def __init__(self, *, units: dict[str, Unit], progress: Progress | None = None) -> None:
        self.unit_ids = {code: unit.pk for code, unit in units.items()}
        self.categories = {c.code: c for c in ReaderCategory.objects.all()}
        self.progress = progress
        self.guardians: dict[int, tuple[int, str]] = {}  # person index → (pk, card number)
        self.standing: dict[str, tuple[int, str]] = {}
        self.count = 0

    def register(self, people: Iterable[Person], *, batch_size: int = BATCH_SIZE) -> int:
        started = time.monotonic()
        for batch in _batches(people, batch_size):
            self._batch(batch)
            if self.progress:
                self.progress(f"readers: {self.count} in bulk ({time.monotonic() - started:.1f} s)")
        return self.count

    def _batch(self, batch: list[Person]) -> None:
        first = Sequence.take(CARD_SEQUENCE, count=len(batch))
        moment, today = clock.now(), clock.today()
        readers = _Rows(Reader, READER_PER_ROW, self._reader_constants(moment, today))
        cards = _Rows(Card, ("number", "reader_id", "issued_at_unit_id"), {
            "status": CardStatus.ACTIVE, "issued_at": moment, "ended_at": None,
        })  # fmt: skip
        history = _Rows(ReaderHistory, ("reader_id", "details"), {
            "action": "reader_registered", "at": moment, "actor_id": None,
        })  # fmt: skip
        numbered = [(p, card_number_from_sequence(first + i)) for i, p in enumerate(batch)]
        # Guardians first, so that a ward in the same batch can point at a saved row.
        for group in (
            [(p, n) for p, n in numbered if p.guardian is None],
            [(p, n) for p, n in numbered if p.guardian is not None],
        ):
            if not group:
                continue
            readers.write([self._reader(p, n) for p, n in group])
            pks = dict(
                Reader.objects.filter(card_number__in=[n for _p, n in group]).values_list(
                    "card_number", "pk"
                )
            )
            cards.write([(n, pks[n], self.unit_ids[p.home_unit]) for p, n in group])
            history.write([(pks[n], self._details(p, n)) for p, n in group])
            for person, number in group:
                if person.category == "adult":
                    self.guardians[person.index] = (pks[number], number)
        self.count += len(batch)

    def _reader_constants(self, moment, today) -> dict:
        return {
            "user_id": None, "status": ReaderStatus.ACTIVE,
            "expires_on": policies.card_expires_on(today), "deposit_amount": Decimal(0),
            "keeps_reading_history": False, "registered_via": CHANNEL, "registered_at": moment,
        }  # fmt: skip

    def _standing(self, category: str) -> tuple[int, str]:
        """The initial credit and deposit state of a category (the policies', as the service)."""
        if category not in self.standing:
            credit = policies.initial_credit(self.categories[category])
            deposit = policies.deposit_on_registration(credit, Decimal(0))
            self.standing[category] = (credit, str(deposit))
        return self.standing[category]

    def _reader(self, person: Person, number: str) -> tuple:
        guardian = self.guardians[person.guardian][0] if person.guardian is not None else None
        return (
            number, person.name, resident_id_hash(person.resident_id), person.resident_id[-4:],
            person.birth_date, self.categories[person.category].pk,
            self.unit_ids[person.home_unit], guardian, person.phone, person.email,
            *self._standing(person.category),
        )  # fmt: skip

    def _details(self, person: Person, number: str) -> dict:
        """The same details ``reader_register`` writes."""
        guardian = self.guardians[person.guardian][1] if person.guardian is not None else None
        credit, deposit = self._standing(person.category)
        return {
            "card": number,
            "category": person.category,
            "home_unit": person.home_unit,
            "channel": str(CHANNEL),
            "credit_score": credit,
            "deposit_state": deposit,
            "guardian": guardian,
        }


READER_PER_ROW = (
    "card_number", "name", "id_hash", "id_last4", "birth_date", "category_id", "home_unit_id",
    "guardian_id", "phone", "email", "credit_score", "deposit_state",
)  # fmt: skip
_ADAPTED = (models.DateField, models.DecimalField, models.JSONField)  # DateTimeField included


class _Rows:
    """``INSERT`` of many rows of one model: some columns per row, the rest the same for all."""

    def __init__(self, model: type[models.Model], per_row: tuple[str, ...], same: dict) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        by_name = {f.attname: f for f in fields}
        unknown = (set(per_row) | set(same)) - set(by_name)
        if unknown:
            raise ValueError(f"{model.__name__} has no column {sorted(unknown)}")
        quote = connection.ops.quote_name
        columns = [*per_row, *(f.attname for f in fields if f.attname not in per_row)]
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(by_name[c].column) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        self.adapt = [by_name[c] if isinstance(by_name[c], _ADAPTED) else None for c in per_row]
        self.tail = tuple(
            by_name[c].get_db_prep_save(same[c] if c in same else by_name[c].get_default(),
                                        connection)
            for c in columns[len(per_row):]
        )  # fmt: skip

    def write(self, rows: list[tuple]) -> None:
        adapt = [(i, f) for i, f in enumerate(self.adapt) if f is not None]
        prepared = []
        for row in rows:
            values = list(row)
            for i, field in adapt:
                values[i] = field.get_db_prep_save(values[i], connection)
            prepared.append((*values, *self.tail))
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, prepared)


def _batches(items: Iterable[Person], size: int) -> Iterator[list[Person]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch
