"""Registration: one card per person, at a desk or online.

The resident ID is checked (python-stdnum), hashed with the platform's key and forgotten:
only ``id_hash`` and ``id_last4`` are stored. ``id_hash`` is unique, so a second card for the
same person is refused even when two desks register them at the same moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from libcity.core import clock
from libcity.core.exceptions import DomainError
from libcity.core.identifiers import ResidentId, resident_id_check
from libcity.network.models import Unit
from libcity.network.policies import unit_keeps_reader_cards
from libcity.readers import policies
from libcity.readers.exceptions import DuplicateReader, GuardianRequired, InvalidReaderInput
from libcity.readers.models import (
    Card,
    DepositState,
    Reader,
    ReaderCategory,
    ReaderStatus,
    RegistrationChannel,
)
from libcity.readers.services.cards import card_number_allot
from libcity.readers.services.profile import clean_email, clean_name, clean_phone
from libcity.readers.services.rows import write_history
from libcity.readers.services.standing import registration_deposit
from libcity.staff.exceptions import UsernameTaken
from libcity.staff.policies import READERS_REGISTER
from libcity.staff.selectors import Actor, require_permission

User = get_user_model()


@dataclass(frozen=True)
class _Applicant:
    """A registration that passed every check that needs no write."""

    name: str
    resident: ResidentId
    category: ReaderCategory
    guardian: Reader | None
    phone: str
    email: str


def categories_ensure() -> list[ReaderCategory]:
    """Create the default categories that are missing; a row a library has edited is kept."""
    with transaction.atomic():
        return [
            ReaderCategory.objects.get_or_create(
                code=default.code,
                defaults={
                    "name_zh": default.name_zh,
                    "name_en": default.name_en,
                    "needs_guardian": default.needs_guardian,
                    "min_age": default.min_age,
                    "max_age": default.max_age,
                },
            )[0]
            for default in policies.DEFAULT_CATEGORIES
        ]


def reader_register(
    *,
    name: str,
    resident_id: str,
    category: ReaderCategory,
    home_unit: Unit,
    actor: Actor,
    channel: str = RegistrationChannel.DESK,
    phone: str = "",
    email: str = "",
    guardian: Reader | None = None,
    deposit_amount: Decimal = Decimal(0),
) -> Reader:
    """Register a person and issue their one card, at a desk (or by the system).

    The scope check comes first, so a desk outside ``home_unit`` learns nothing about the
    person (not even that they already hold a card).
    """
    if actor is not None:
        require_permission(actor, READERS_REGISTER, home_unit)
    applicant = _applicant(
        name=name,
        resident=resident_id_check(resident_id, today=clock.today()),
        category=category,
        guardian=guardian,
        phone=phone,
        email=email,
    )
    _check_home_unit(home_unit)
    amount = registration_deposit(policies.initial_credit(category), deposit_amount)
    _refuse_duplicate(applicant, online=False)
    try:
        with transaction.atomic():
            return _create_reader(
                applicant, home_unit=home_unit, channel=channel, actor=actor, amount=amount
            )
    except IntegrityError:
        _explain_integrity_error(applicant, online=False)
        raise


def reader_self_register(
    *,
    name: str,
    resident_id: str,
    home_unit: Unit,
    username: str,
    password: str,
    phone: str = "",
    email: str = "",
) -> Reader:
    """Online registration with a login, for adults and seniors. The login and the reader
    are made in one transaction: a refused registration leaves neither."""
    today = clock.today()
    resident = resident_id_check(resident_id, today=today)
    code = policies.self_registration_category_code(policies.age_on(resident.birth_date, today))
    if code is None:
        raise GuardianRequired(
            _(
                "Children under %(limit)d are registered at a library desk, together with a "
                "guardian who has a reader card."
            )
            % {"limit": policies.CHILD_AGE_LIMIT}
        )
    applicant = _applicant(
        name=name,
        resident=resident,
        category=_category(code),
        guardian=None,
        phone=phone,
        email=email,
    )
    _check_home_unit(home_unit)
    _refuse_duplicate(applicant, online=True)
    username = _check_login(username, password, email=applicant.email)
    try:
        with transaction.atomic():
            return _create_reader_with_login(applicant, home_unit, username, password)
    except IntegrityError:
        _explain_integrity_error(applicant, online=True, username=username)
        raise


def _create_reader_with_login(
    applicant: _Applicant, home_unit: Unit, username: str, password: str
) -> Reader:
    user = User.objects.create_user(username=username, password=password, email=applicant.email)
    return _create_reader(
        applicant,
        home_unit=home_unit,
        channel=RegistrationChannel.ONLINE,
        actor=user,
        amount=Decimal(0),
        user=user,
    )


def _category(code: str) -> ReaderCategory:
    category = ReaderCategory.objects.filter(code=code).first()
    if category is None:
        category = next(c for c in categories_ensure() if c.code == code)
    return category


def _applicant(
    *,
    name: str,
    resident: ResidentId,
    category: ReaderCategory,
    guardian: Reader | None,
    phone: str,
    email: str,
) -> _Applicant:
    age = policies.age_on(resident.birth_date, clock.today())
    if not policies.category_fits_age(category, age):
        raise InvalidReaderInput(
            _("A person aged %(age)d cannot be registered as %(category)s.")
            % {"age": age, "category": category.name_en}
        )
    _check_guardian(category, age, guardian)
    return _Applicant(
        name=clean_name(name),
        resident=resident,
        category=category,
        guardian=guardian,
        phone=clean_phone(phone),
        email=clean_email(email),
    )


def _check_guardian(category: ReaderCategory, age: int, guardian: Reader | None) -> None:
    if guardian is None:
        if policies.needs_guardian(category, age):
            raise GuardianRequired(
                _(
                    "A child under %(limit)d, or a reader of this category, is registered with "
                    "a guardian who has an active adult reader card."
                )
                % {"limit": policies.CHILD_AGE_LIMIT}
            )
        return
    today = clock.today()
    usable = guardian.status == ReaderStatus.ACTIVE and guardian.expires_on >= today
    if not usable or not policies.may_be_guardian(policies.age_on(guardian.birth_date, today)):
        raise GuardianRequired(_("The guardian must be an adult reader with an active card."))


def _check_home_unit(home_unit: Unit) -> None:
    if not home_unit.is_active:
        raise InvalidReaderInput(_("This unit is closed and cannot register readers."))
    if not unit_keeps_reader_cards(home_unit):
        raise InvalidReaderInput(
            _("%(unit)s does not keep reader cards: choose a library as the home library.")
            % {"unit": home_unit.name_zh}
        )


def _check_login(username: str, password: str, *, email: str) -> str:
    username = (username or "").strip()
    if not username:
        raise InvalidReaderInput(_("Choose a username."))
    if User.objects.filter(username=username).exists():
        raise _username_taken(username)
    try:
        validate_password(password, user=User(username=username, email=email))
    except ValidationError as error:
        raise InvalidReaderInput(" ".join(error.messages)) from None
    return username


def _refuse_duplicate(applicant: _Applicant, *, online: bool) -> None:
    """One card per person: the clear answer, before anything is written."""
    error = _known_conflict(applicant, online=online)
    if error is not None:
        raise error


def _explain_integrity_error(applicant: _Applicant, *, online: bool, username: str = "") -> None:
    """After a lost race (the transaction is rolled back), raise the rule that was broken;
    return if it is none of ours, so the caller re-raises the database error."""
    error = _known_conflict(applicant, online=online, username=username)
    if error is not None:
        raise error from None


def _known_conflict(
    applicant: _Applicant, *, online: bool, username: str = ""
) -> DomainError | None:
    existing = (
        Reader.objects.filter(id_hash=applicant.resident.keyed_hash)
        .select_related("home_unit")
        .first()
    )
    if existing is not None:
        return DuplicateReader.online() if online else DuplicateReader.at_desk(existing.home_unit)
    if username and User.objects.filter(username=username).exists():
        return _username_taken(username)
    return None


def _username_taken(username: str) -> UsernameTaken:
    return UsernameTaken(_("The username %(name)s is taken; choose another.") % {"name": username})


def _create_reader(
    applicant: _Applicant,
    *,
    home_unit: Unit,
    channel: str,
    actor: Actor,
    amount: Decimal,
    user: AbstractBaseUser | None = None,
) -> Reader:
    moment = clock.now()
    credit = policies.initial_credit(applicant.category)
    deposit = policies.deposit_on_registration(credit, amount)
    number = card_number_allot()
    reader = Reader.objects.create(
        card_number=number,
        user=user,
        name=applicant.name,
        id_hash=applicant.resident.keyed_hash,
        id_last4=applicant.resident.last4,
        birth_date=applicant.resident.birth_date,
        category=applicant.category,
        home_unit=home_unit,
        guardian=applicant.guardian,
        phone=applicant.phone,
        email=applicant.email,
        expires_on=policies.card_expires_on(clock.today()),
        credit_score=credit,
        deposit_state=deposit,
        deposit_amount=amount if deposit == DepositState.PAID else Decimal(0),
        keeps_reading_history=False,
        registered_via=channel,
        registered_at=moment,
    )
    Card.objects.create(number=number, reader=reader, issued_at=moment, issued_at_unit=home_unit)
    write_history(
        reader,
        "reader_registered",
        actor,
        card=number,
        category=applicant.category.code,
        home_unit=home_unit.code,
        channel=str(channel),
        credit_score=credit,
        deposit_state=str(deposit),
        guardian=applicant.guardian.card_number if applicant.guardian else None,
    )
    return reader
