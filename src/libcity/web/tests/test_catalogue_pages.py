"""Catalogue pages: the public record page and the staff cataloguing pages."""

import pytest
from django.test import Client

from libcity.catalogue.data import RecordData
from libcity.catalogue.models import Item, Record
from libcity.catalogue.services import item_add, record_create
from libcity.staff.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(tiny_city):
    made = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007,
                                         isbns=["9787530216781"], clc="K892.1"))  # fmt: skip
    item_add(record=made, barcode="B0001", owner=tiny_city.b1, status="available")
    item_add(record=made, barcode="B0002", owner=tiny_city.d2, status="available")
    item_add(record=made, barcode="B0003", owner=tiny_city.r1, status="on_loan")
    return made


def test_record_page_lists_copies_by_unit(client: Client, record):
    page = client.get(f"/records/{record.pk}/").content.decode()
    assert "图说中国节" in page and "9787530216781" in page
    assert page.count('<tr><td><a href="/units/') == 3
    assert "借出" in page  # a copy on loan, in Chinese


def test_nearest_available_copy_from_a_unit(client: Client, record):
    page = client.get(f"/records/{record.pk}/?near=r1").content.decode()
    nearest = page[page.index('id="nearest-copies"') :]
    assert nearest.index("b1馆") < nearest.index("d2馆")  # r1 is on loan: not listed
    assert "r1馆" not in nearest[: nearest.index("</ol>")]


def test_nearest_available_copy_from_coordinates(client: Client, record):
    page = client.get(f"/records/{record.pk}/?lat=23.125&lng=113.361").content.decode()
    nearest = page[page.index('id="nearest-copies"') :]
    assert nearest.index("d2馆") < nearest.index("b1馆")


def test_unknown_record_page_is_404(client: Client, tiny_city):
    assert client.get("/records/99999/").status_code == 404


def test_cataloguer_creates_edits_and_adds_a_copy(client: Client, tiny_city, make_staff):
    client.force_login(make_staff("cat", Role.CATALOGUER, tiny_city.d1))
    response = client.post("/staff/records/new/", {
        "title": "老子说", "authors": "蔡志忠", "year": "2010", "isbns": "978-7-108-03358-1",
        "clc": "b223.1", "format": "book",
    })  # fmt: skip
    record = Record.objects.get(title="老子说")
    assert response.url == f"/staff/records/{record.pk}/"
    assert record.clc == "B223.1" and record.isbns == ["9787108033581"]
    client.post(
        f"/staff/records/{record.pk}/edit/",
        {"title": "老子说（漫画版）", "format": "book", "year": "2011"},
    )
    record.refresh_from_db()
    assert record.title == "老子说（漫画版）" and record.year == 2011
    client.post(
        f"/staff/records/{record.pk}/",
        {"action": "add", "barcode": "C0001", "owner": "b1", "item_type": "book"},
    )
    assert Item.objects.get(barcode="C0001").owner == tiny_city.b1


def test_a_bad_isbn_is_a_field_error_and_nothing_is_made(client, tiny_city, make_staff):
    client.force_login(make_staff("cat", Role.CATALOGUER, tiny_city.d1))
    response = client.post("/staff/records/new/", {"title": "坏号", "isbns": "978-0-00-000000-1",
                                                   "format": "book"})  # fmt: skip
    assert response.status_code == 200
    assert not Record.objects.filter(title="坏号").exists()


def test_a_copy_outside_scope_or_by_a_desk_is_refused(client, tiny_city, make_staff, record):
    client.force_login(make_staff("cat", Role.CATALOGUER, tiny_city.d1))
    client.post(
        f"/staff/records/{record.pk}/",
        {"action": "add", "barcode": "C0002", "owner": "b2", "item_type": "book"},
    )
    assert not Item.objects.filter(barcode="C0002").exists()
    desk = Client()
    desk.force_login(make_staff("desk", Role.DESK, tiny_city.central))
    assert desk.get("/staff/records/new/").status_code == 404
    assert desk.post("/staff/records/new/", {"title": "x", "format": "book"}).status_code == 404
    assert not Record.objects.filter(title="x").exists()


def test_marking_a_copy(client, tiny_city, make_staff, record):
    client.force_login(make_staff("cat", Role.CATALOGUER, tiny_city.central))
    client.post(
        f"/staff/records/{record.pk}/", {"action": "mark", "barcode": "B0001", "status": "missing"}
    )
    assert Item.objects.get(barcode="B0001").status == "missing"
    client.post(
        f"/staff/records/{record.pk}/",
        {"action": "mark", "barcode": "B0003", "status": "withdrawn"},
    )
    assert Item.objects.get(barcode="B0003").status == "on_loan"  # the state machine said no


@pytest.fixture
def indexed(tiny_city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = record_create(data=RecordData(title="图说中国节", authors=["王娟"], year=2007,
                                             isbns=["9787530216781"], clc="K892.1"))  # fmt: skip
        item_add(record=made, barcode="B0001", owner=tiny_city.b1, status="available")
        for n in range(25):
            record_create(
                data=RecordData(title=f"岭南往事 第{n}卷", authors=["李明"], year=2000 + n)
            )
    return made


def test_catalogue_search_page(client, indexed):
    page = client.get("/catalogue/", {"q": "tushuo"}).content.decode()
    assert f'href="/records/{indexed.pk}/"' in page and "b1馆 1/1" in page


def test_catalogue_search_pages_and_newest_first(client, indexed):
    first = client.get("/catalogue/", {"q": "岭南", "sort": "newest"}).content.decode()
    assert "岭南往事 第24卷" in first and "岭南往事 第0卷" not in first
    second = client.get("/catalogue/", {"q": "岭南", "sort": "newest", "page": 2}).content.decode()
    assert "岭南往事 第0卷" in second


def test_catalogue_facet_links_filter(client, indexed):
    page = client.get("/catalogue/", {"clc_top": "K"}).content.decode()
    assert "图说中国节" in page and "岭南往事" not in page


def test_facets_speak_in_names_and_link_to_their_filter(client, indexed):
    page = client.get("/catalogue/", {"q": "图说"}).content.decode()
    facets = page[page.index('id="facets"') :]
    assert "d1馆" in facets and "b1馆" in facets  # the district and the unit, by name
    assert "K 历史、地理" in facets  # the CLC top class with its name
    assert "2000–2009" in facets and "year_from=2000&amp;year_to=2009" in facets
    assert "只看在架" in facets and "available_now=on" in facets
    english = client.get("/catalogue/", {"q": "图说"}, HTTP_COOKIE="django_language=en")
    assert "K History and geography" in english.content.decode()


def test_a_chosen_filter_shows_as_a_chip_that_removes_it(client, indexed):
    page = client.get("/catalogue/", {"q": "图说", "clc_top": "K", "page": "1"}).content.decode()
    chips = page[page.index('id="chosen-filters"') : page.index('id="hit-count"')]
    assert "K 历史、地理" in chips and 'href="?q=%E5%9B%BE%E8%AF%B4"' in chips
    assert 'data-facet="clc_top"' not in page  # chosen: no longer offered


def test_a_year_range_narrows_and_a_wrong_one_is_explained(client, indexed):
    page = client.get("/catalogue/", {"q": "岭南", "year_from": 2010, "year_to": 2014})
    assert "5 条记录" in page.content.decode()
    wrong = client.get("/catalogue/", {"q": "岭南", "year_from": 2014, "year_to": 2010})
    assert wrong.status_code == 200
    text = wrong.content.decode()
    assert "结束年份早于起始年份" in text and "11 条记录" in text  # the bad bound is left out
    junk = client.get("/catalogue/", {"q": "岭南", "year_from": "abc", "district": "x" * 99})
    assert junk.status_code == 200 and "25 条记录" in junk.content.decode()


def test_the_record_page_names_its_language_and_class(client, indexed):
    from libcity.catalogue.services import record_update

    with_language = RecordData(title="图说中国节", authors=["王娟"], year=2007, language="chi",
                               isbns=["9787530216781"], clc="K892.1")  # fmt: skip
    record_update(record=indexed, data=with_language)
    page = client.get(f"/records/{indexed.pk}/").content.decode()
    assert "<dd>中文</dd>" in page and "K 历史、地理" in page


def marc_bytes() -> bytes:
    from pymarc import Field, Record, Subfield

    good = Record(force_utf8=True)
    good.add_field(Field(tag="020", indicators=[" ", " "], subfields=[
        Subfield("a", "9780306406157")]))  # fmt: skip
    good.add_field(Field(tag="245", indicators=["0", "0"], subfields=[
        Subfield("a", "Upload test /"), Subfield("c", "A. Author.")]))  # fmt: skip
    good.add_field(Field(tag="852", indicators=[" ", " "], subfields=[
        Subfield("p", "UP0001"), Subfield("h", "QA76")]))  # fmt: skip
    return good.as_marc() + b"00042nam  2200000   4500garbage\x1e\x1d"


def test_staff_upload_a_marc_file_and_see_the_report(client, tiny_city, make_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(make_staff("cat", Role.CATALOGUER, tiny_city.d1))
    upload = SimpleUploadedFile("batch.mrc", marc_bytes())
    page = client.post("/staff/marc/", {"file": upload, "unit": "b1"}).content.decode()
    assert "imported 1, merged 0, rejected 1" in page
    assert Item.objects.get(barcode="UP0001").owner == tiny_city.b1
    dry = SimpleUploadedFile("batch.mrc", marc_bytes())
    page = client.post("/staff/marc/", {"file": dry, "unit": "b1", "dry_run": "on"})
    assert Record.objects.filter(title="Upload test").count() == 1


def test_marc_upload_outside_scope_imports_nothing(client, tiny_city, make_staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(make_staff("cat", Role.CATALOGUER, tiny_city.d1))
    response = client.post("/staff/marc/", {"file": SimpleUploadedFile("b.mrc", marc_bytes()),
                                             "unit": "b2"})  # fmt: skip
    assert response.status_code == 200  # the form refuses the choice
    assert not Record.objects.exists()


def test_a_search_past_the_count_cap_says_more_than(client, indexed, settings):
    settings.LIBCITY_SEARCH_COUNT_CAP = 5
    page = client.get("/catalogue/", {"q": "岭南"}).content.decode()
    assert "超过 5 条记录" in page
    body = client.get("/api/v1/records", {"q": "岭南"}).json()
    assert body["count"] == 5 and body["count_exact"] is False
    exact = client.get("/api/v1/records", {"q": "图说"}).json()
    assert exact["count"] == 1 and exact["count_exact"] is True
