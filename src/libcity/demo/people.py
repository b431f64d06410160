"""Synthetic residents of the demo city: names, valid resident IDs, ages, phones, guardians.

Every resident ID is checked with ``resident_id_check``, the function registration uses, as it
is made; a number that failed would raise, never reach the database.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from stdnum.cn import ric

from libcity.core.identifiers import resident_id_check
from libcity.demo.places import DISTRICTS, District

# Common surnames, Guangdong's most frequent first, with weights and the romanisation used
# in e-mail addresses.
SURNAMES: tuple[tuple[str, str, int], ...] = (
    ("陈", "chen", 120), ("李", "li", 80), ("黄", "huang", 70), ("张", "zhang", 50),
    ("梁", "liang", 45), ("林", "lin", 40), ("刘", "liu", 38), ("吴", "wu", 30),
    ("罗", "luo", 28), ("何", "he", 28), ("郑", "zheng", 20), ("王", "wang", 25),
    ("谢", "xie", 18), ("冯", "feng", 16), ("杨", "yang", 16), ("曾", "zeng", 15),
    ("邓", "deng", 15), ("许", "xu", 12), ("蔡", "cai", 12), ("叶", "ye", 12),
    ("钟", "zhong", 12), ("卢", "lu", 11), ("潘", "pan", 11), ("朱", "zhu", 10),
    ("周", "zhou", 10), ("彭", "peng", 8), ("麦", "mai", 8), ("邱", "qiu", 8),
    ("郭", "guo", 8), ("胡", "hu", 8), ("苏", "su", 7), ("赖", "lai", 6), ("莫", "mo", 6),
    ("谭", "tan", 6), ("关", "guan", 5), ("余", "yu", 5), ("汤", "tang", 4),
    ("欧阳", "ouyang", 3), ("司徒", "situ", 2), ("区", "ou", 2),
)  # fmt: skip
_SURNAME_CUM = list(itertools.accumulate(w for _zh, _pinyin, w in SURNAMES))
_PINYIN = {zh: pinyin for zh, pinyin, _w in SURNAMES}
GIVEN_MALE = "伟强杰俊浩明志建文华国军涛斌鹏辉宇轩子睿晨博嘉豪铭锦健永荣家勇峰海新城东源乐"
GIVEN_FEMALE = "丽敏静婷芳娟燕玲霞雪颖琳欣怡诗雨佳嘉慧晓洁萍梅红思彤悦瑶雅妍凤秀桂"
MOBILE_PREFIXES = tuple(
    f"1{n}"
    for n in (30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 50, 51, 52, 55, 56, 57, 58, 59,
              76, 77, 80, 81, 82, 85, 86, 87, 88, 89, 91, 99)
)  # fmt: skip

# Category code: (share of readers, youngest and oldest age in whole years on 1 January of
# the year of the build; ages stay within the category's limits all year).
CATEGORY_MIX: dict[str, tuple[int, int, int]] = {
    "adult": (50, 20, 59),
    "student": (17, 15, 24),
    "child": (15, 4, 13),
    "senior": (16, 61, 88),
    "visually_impaired": (2, 20, 80),
}
_CATEGORIES = list(CATEGORY_MIX)
_CATEGORY_CUM = list(itertools.accumulate(share for share, _y, _o in CATEGORY_MIX.values()))
_DISTRICTS = {d.slug: d for d in DISTRICTS}


@dataclass(frozen=True)
class Person:
    index: int
    name: str
    resident_id: str
    birth_date: dt.date
    category: str
    home_unit: str  # unit code
    district: str  # slug
    phone: str = ""
    email: str = ""
    guardian: int | None = None  # index of an earlier person


@dataclass(frozen=True)
class Home:
    unit: str
    district: str
    weight: float


class PeopleMaker:
    """Makes people one after another; resident IDs never repeat within one maker."""

    def __init__(self, rng: random.Random, homes: Sequence[Home], *, year: int) -> None:
        self.rng = rng
        self.year = year
        self.homes = list(homes)
        self._cum_weights = []
        total = 0.0
        for home in self.homes:
            total += home.weight
            self._cum_weights.append(total)
        self._used_ids: set[str] = set()
        self._checked: set[tuple[str, int]] = set()  # (region code, birth year) checked
        self._adults: dict[str, list[tuple[int, str]]] = {}  # district → (index, surname)
        self._count = 0

    def make(self, count: int) -> Iterator[Person]:
        for _ in range(count):
            yield self.one()

    def one(self, *, category: str | None = None, home: Home | None = None) -> Person:
        rng = self.rng
        home = home or rng.choices(self.homes, cum_weights=self._cum_weights)[0]
        category = category or rng.choices(_CATEGORIES, cum_weights=_CATEGORY_CUM)[0]
        guardian = None
        surname = None
        if category == "child":
            adults = self._adults.get(home.district)
            if not adults:
                category = "adult"
            else:
                guardian, surname = rng.choice(adults)
        surname = surname or rng.choices(SURNAMES, cum_weights=_SURNAME_CUM)[0][0]
        person = self._person(category, home, guardian, surname)
        if category == "adult":
            self._adults.setdefault(home.district, []).append((person.index, surname))
        return person

    def _person(self, category: str, home: Home, guardian: int | None, surname: str) -> Person:
        rng = self.rng
        male = rng.random() < 0.5
        birth_date = self._birth_date(category)
        index = self._count
        self._count += 1
        name = surname + _given_name(rng, male)
        phone = ""
        if category != "child":
            phone = rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        email = ""
        if category in ("adult", "student") and rng.random() < 0.2:
            email = f"{_PINYIN[surname]}{rng.randrange(100, 100000)}@example.com"
        return Person(
            index=index, name=name,
            resident_id=self._resident_id(_DISTRICTS[home.district], birth_date, male),
            birth_date=birth_date, category=category, home_unit=home.unit,
            district=home.district, phone=phone, email=email, guardian=guardian,
        )  # fmt: skip

    def _birth_date(self, category: str) -> dt.date:
        _share, youngest, oldest = CATEGORY_MIX[category]
        age = self.rng.randint(youngest, oldest)
        first = dt.date(self.year - age, 1, 1)
        return first + dt.timedelta(days=self.rng.randrange(365))

    def _resident_id(self, district: District, birth_date: dt.date, male: bool) -> str:
        region = district.region_code(birth_date.year)
        while True:
            order = self.rng.randrange(500) * 2 + (1 if male else 0)  # odd: a man
            body = f"{region}{birth_date:%Y%m%d}{order:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self._used_ids:
                break
        self._check(number, region, birth_date)
        self._used_ids.add(number)
        return number

    def _check(self, number: str, region: str, birth_date: dt.date) -> None:
        """Raise if the generator ever made a number registration would refuse.

        ``resident_id_check`` takes a fraction of a millisecond, mostly to look the region
        code up; for a number built above from a real date, the result depends only on the
        region and the birth year (python-stdnum's own ``validate`` also wants the region to
        exist in the birth year, and the codes above are chosen so that it does). So the
        full check runs once per (region, birth year) and the check digit for every number.
        """
        if (region, birth_date.year) not in self._checked:
            resident_id_check(number)
            self._checked.add((region, birth_date.year))
        elif ric.calc_check_digit(number) != number[-1]:
            raise RuntimeError(f"bad check digit in a generated resident ID: {number}")


def _given_name(rng: random.Random, male: bool) -> str:
    pool = GIVEN_MALE if male else GIVEN_FEMALE
    length = 1 if rng.random() < 0.25 else 2
    return "".join(rng.choice(pool) for _ in range(length))
