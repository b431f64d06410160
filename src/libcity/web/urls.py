from django.contrib.auth import views as auth_views
from django.urls import include, path

from libcity.web.opac import catalogue, delivery, holds, neighbours, transfers
from libcity.web.opac import views as opac
from libcity.web.staff import catalogue as staff_catalogue
from libcity.web.staff import desk, drift, lockers, logistics, rules, terminals
from libcity.web.staff import transfers as staff_transfers
from libcity.web.staff import views as staff

app_name = "web"

urlpatterns = [
    path("", opac.home, name="home"),
    path("units/", opac.unit_list, name="units"),
    path("units/<slug:code>/", opac.unit_page, name="unit"),
    path("catalogue/", catalogue.search_page, name="catalogue"),
    path("records/<int:record_id>/", catalogue.record_page, name="record"),
    path("register/", opac.register, name="register"),
    path("neighbours/", include(neighbours)),
    path("account/", opac.account, name="account"),
    path("records/<int:record_id>/hold/", holds.hold_place_view, name="hold-place"),
    path("account/holds/<int:hold_id>/cancel/", holds.hold_cancel_view, name="hold-cancel"),
    path("account/holds/<int:hold_id>/code/", holds.hold_code_view, name="hold-code"),
    path("account/delivery/", delivery.delivery_page, name="delivery"),
    path("account/loans/<int:loan_id>/pass-on/", transfers.offer_page, name="transfer-offer"),
    path("account/transfers/cancel/", transfers.cancel_view, name="transfer-cancel"),
    path("transfers/", transfers.enter_page, name="transfer-enter"),
    path("transfers/<str:code>/", transfers.accept_page, name="transfer-accept"),
    path("records/<int:record_id>/deliver/", delivery.basket_add, name="delivery-add"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            template_name="web/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", staff.network_tree, name="staff-network"),
    path("staff/units/<slug:code>/", staff.unit_manage, name="staff-unit"),
    path("staff/marc/", staff_catalogue.marc_upload, name="staff-marc"),
    path("staff/records/new/", staff_catalogue.record_new, name="staff-record-new"),
    path("staff/records/<int:record_id>/", staff_catalogue.record_manage, name="staff-record"),
    path(
        "staff/records/<int:record_id>/edit/", staff_catalogue.record_edit, name="staff-record-edit"
    ),
    path("staff/readers/", staff.reader_list, name="staff-readers"),
    path("staff/readers/new/", staff.reader_new, name="staff-reader-new"),
    path("staff/readers/<str:card_number>/", staff.reader_page, name="staff-reader"),
    path("staff/desk/", desk.desk_page, name="staff-desk"),
    path("staff/returns/", desk.returns_page, name="staff-returns"),
    path("staff/holds/", logistics.holds_page, name="staff-holds"),
    path("staff/holds/slips/", logistics.transit_slips_page, name="staff-transit-slips"),
    path("staff/vans/", logistics.vans_page, name="staff-vans"),
    path("staff/deliveries/", logistics.deliveries_page, name="staff-deliveries"),
    path("staff/rebalance/", logistics.rebalance_page, name="staff-rebalance"),
    path("staff/lockers/", lockers.lockers_page, name="staff-lockers"),
    path("staff/transfers/", staff_transfers.transfers_page, name="staff-transfers"),
    path("staff/drift/", drift.drift_list, name="staff-drift"),
    path("staff/drift/<int:group_id>/", drift.drift_group, name="staff-drift-group"),
    path(
        "staff/rebalance/<int:plan_id>/",
        logistics.rebalance_plan_page,
        name="staff-rebalance-plan",
    ),
    path("staff/rules/", rules.rule_list, name="staff-rules"),
    path("staff/rules/new/", rules.rule_new, name="staff-rule-new"),
    path("staff/rules/explain/", rules.rule_explain, name="staff-rule-explain"),
    path("staff/rules/<int:rule_id>/", rules.rule_edit, name="staff-rule"),
    path("staff/terminals/", terminals.terminal_list, name="staff-terminals"),
    path("staff/terminals/<int:terminal_id>/", terminals.terminal_manage, name="staff-terminal"),
]
