from django.urls import include, path

from akrites import api
from akrites.accounts import views as accounts
from akrites.audit import views as audit
from akrites.cases import views as cases
from akrites.cases import views_workflow as case_flow
from akrites.intake import views as intake
from akrites.publication import (
    csaf_provider,
    feeds,
    osv_api,
    osv_exports,
    public_views,
    transparency,
)
from akrites.publication import views as advisories
from akrites.registry import views as registry
from akrites.web import views_auth, views_home

urlpatterns = [
    path("healthz", views_home.healthz),
    path("", views_home.dashboard, name="dashboard"),
    path("login/", views_auth.login_view, name="login"),
    path("logout/", views_auth.logout_view, name="logout"),
    path("account/", accounts.account, name="account"),
    path("account/two-factor/", views_auth.two_factor_view, name="two-factor"),
    path(
        "account/set-password/<uidb64>/<token>/", views_auth.set_password_view, name="set-password"
    ),
    path("account/tokens/", accounts.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", accounts.token_revoke, name="token-revoke"),
    path("organisation/", accounts.my_organisation, name="my-organisation"),
    path("organisations/", accounts.organisations, name="organisations"),
    path("organisations/<int:org_id>/", accounts.organisation_detail, name="organisation"),
    path("members/<int:user_id>/roles/", accounts.member_roles, name="member-roles"),
    path("members/<int:user_id>/active/", accounts.member_active, name="member-active"),
    path("components/", registry.component_list, name="components"),
    path("components/new/", registry.component_create, name="component-create"),
    path("components/<int:component_id>/", registry.component_detail, name="component"),
    path("components/<int:component_id>/edit/", registry.component_edit, name="component-edit"),
    path("components/<int:component_id>/contacts/", registry.contact_add, name="contact-add"),
    path(
        "components/<int:component_id>/contacts/<int:contact_id>/remove/",
        registry.contact_remove,
        name="contact-remove",
    ),
    path("reports/", intake.report_list, name="reports"),
    path("reports/new/", intake.report_new, name="report-new"),
    path("reports/upload/", intake.report_upload, name="report-upload"),
    path("reports/<str:tracking_id>/", intake.report_detail, name="report"),
    path("reports/<str:tracking_id>/split/", intake.report_split, name="report-split"),
    path("cases/", cases.case_list, name="cases"),
    path("cases/<str:number>/", cases.case_detail, name="case"),
    path("cases/<str:number>/messages/", include("akrites.messaging.urls")),
    path("cases/<str:number>/invite/", cases.case_invite, name="case-invite"),
    path("cases/<str:number>/tlp/", cases.case_relabel, name="case-relabel"),
    path("cases/<str:number>/embargo/", cases.case_embargo, name="case-embargo"),
    path("cases/<str:number>/transition/", case_flow.case_transition, name="case-transition"),
    path("cases/<str:number>/assessment/", case_flow.case_assess, name="case-assess"),
    path("cases/<str:number>/fix/", case_flow.case_fix, name="case-fix"),
    path("cases/<str:number>/exploited/", case_flow.case_exploited, name="case-exploited"),
    path("cases/<str:number>/audit/", case_flow.case_audit_export, name="case-audit-export"),
    path("cases/<str:number>/advisory/", advisories.advisory_page, name="case-advisory"),
    path("cases/<str:number>/advisory/create/", advisories.advisory_create),
    path("cases/<str:number>/advisory/edit/", advisories.advisory_edit),
    path("cases/<str:number>/advisory/step/", advisories.advisory_step),
    path("cases/<str:number>/advisory/comment/", advisories.advisory_comment),
    path("reports/<str:tracking_id>/credit/", advisories.report_credit, name="report-credit"),
    path(
        "cases/<str:number>/organisations/<int:org_id>/remove/",
        cases.case_uninvite,
        name="case-uninvite",
    ),
    path("organisation/cases/", cases.organisation_cases, name="organisation-cases"),
    path("organisation/webhooks/", include("akrites.webhooks.urls")),
    path("triage/", intake.triage_queue, name="triage"),
    path(
        "triage/suggestions/<int:suggestion_id>/",
        intake.suggestion_decide,
        name="suggestion-decide",
    ),
    path("triage/merge/", intake.case_merge, name="case-merge"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/verify/", audit.audit_verify, name="audit-verify"),
    path("osv/v1/query", osv_api.osv_query, name="osv-query"),
    path("osv/v1/querybatch", osv_api.osv_querybatch, name="osv-querybatch"),
    path("osv/v1/vulns/<str:vuln_id>", osv_api.osv_vuln, name="osv-vuln"),
    path("osv/ecosystems.txt", osv_exports.osv_ecosystems_txt, name="osv-ecosystems"),
    path("osv/<str:ecosystem>/all.zip", osv_exports.osv_ecosystem_zip, name="osv-all-zip"),
    # The public surfaces (issue 5): published advisories only, no sign-in.
    path("advisories/", public_views.advisory_index, name="public-advisories"),
    path("advisories/feed.atom", feeds.advisory_feed, name="public-advisory-feed"),
    path("advisories/<str:advisory_id>/", public_views.advisory_page, name="public-advisory"),
    path("advisories/<str:advisory_id>/<str:file_name>", public_views.advisory_file),
    path("transparency/", transparency.transparency_page, name="transparency"),
    path(".well-known/csaf/provider-metadata.json", csaf_provider.provider_metadata_view),
    path(".well-known/csaf/white/index.txt", csaf_provider.index_txt_view),
    path(".well-known/csaf/white/changes.csv", csaf_provider.changes_csv_view),
    path(".well-known/csaf/white/csaf-feed-tlp-white.json", csaf_provider.rolie_feed_view),
    path(".well-known/csaf/white/<str:year>/<str:file_name>", csaf_provider.csaf_document_view),
    path(".well-known/csaf/openpgp/<str:file_name>", csaf_provider.openpgp_key_view),
    path(".well-known/security.txt", csaf_provider.security_txt_view),
    path("security.txt", csaf_provider.security_txt_view),
    path("api/v1/openapi.json", api.openapi_json, name="openapi"),
    path("api/v1/", api.api.urls),
]
