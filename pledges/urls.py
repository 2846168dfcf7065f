"""The pledge pages under /pledges/, by area: filing, 践诺 progress, 集中核查, 全覆盖.
The public notice board has its own module (campaign.board.urls), mounted at /gk/."""

from django.urls import path

from pledges.views import board_links, coverage, filing, progress, rectification

app_name = "pledges"
urlpatterns = [
    # Filing a pledge and moving it along its life cycle
    path("", filing.pledge_list, name="list"),
    path("new/", filing.pledge_create, name="create"),
    path("<int:pk>/", filing.pledge_detail, name="detail"),
    path("<int:pk>/edit/", filing.pledge_edit, name="edit"),
    path("<int:pk>/opinions/new/", filing.opinion_add, name="opinion_add"),
    path("opinions/<int:pk>/edit/", filing.opinion_edit, name="opinion_edit"),
    path("opinions/<int:pk>/delete/", filing.opinion_delete, name="opinion_delete"),
    path("<int:pk>/items/new/", filing.item_add, name="item_add"),
    path("items/<int:pk>/edit/", filing.item_edit, name="item_edit"),
    path("items/<int:pk>/delete/", filing.item_delete, name="item_delete"),
    path("items/<int:pk>/move/<str:direction>/", filing.item_move, name="item_move"),
    path("<int:pk>/submit/", filing.pledge_submit, name="submit"),
    path("<int:pk>/approve/", filing.pledge_approve, name="approve"),
    path("<int:pk>/return/", filing.pledge_return, name="return"),
    path("<int:pk>/withdraw/", filing.pledge_withdraw, name="withdraw"),
    path("<int:pk>/publish/", filing.pledge_publish, name="publish"),
    path("<int:pk>/revise/", filing.pledge_revise, name="revise"),
    path("<int:pk>/assess/", filing.pledge_assess, name="assess"),
    path("<int:pk>/versions/", filing.pledge_versions, name="versions"),
    path("<int:pk>/diff/<int:old>/<int:new>/", filing.pledge_diff, name="diff"),
    path("<int:pk>/history/", filing.pledge_history, name="history"),
    # 践诺: an item's progress and its evidence
    path("items/<int:pk>/progress/", progress.item_progress, name="item_progress"),
    path("progress/<int:pk>/correct/", progress.entry_correct, name="entry_correct"),
    path("progress/<int:pk>/remove/", progress.entry_remove, name="entry_remove"),
    path("evidence/<int:pk>/", progress.evidence_download, name="evidence"),
    path("evidence/<int:pk>/visibility/", progress.evidence_visibility, name="evidence_visibility"),
    # The list of notice boards is a logged-in page, so it sits here, not under /gk/.
    path("boards/", board_links.board_links, name="board_links"),
    # 集中核查: rectification tasks and 挂牌督办
    path("rectifications/", rectification.rectification_list, name="rectifications"),
    path("rectifications/new/", rectification.rectification_create_view, name="rectification_create"),
    path("rectifications/categories/", rectification.rectification_categories, name="rectification_categories"),
    path(
        "rectifications/categories/publish/",
        rectification.rectification_publish_category,
        name="rectification_publish_category",
    ),
    path("rectifications/<int:pk>/", rectification.rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/edit/", rectification.rectification_edit, name="rectification_edit"),
    path("rectifications/<int:pk>/report/", rectification.rectification_report_view, name="rectification_report"),
    path("rectifications/<int:pk>/sign-off/", rectification.rectification_sign_off_view, name="rectification_sign_off"),
    path("rectifications/to-verify/", rectification.rectification_to_verify, name="rectifications_to_verify"),
    path("rectifications/evidence/<int:pk>/", rectification.rectification_evidence, name="rectification_evidence"),
    path("rectifications/<int:pk>/publish/", rectification.rectification_publish_view, name="rectification_publish"),
    path(
        "rectifications/<int:pk>/unpublish/",
        rectification.rectification_unpublish_view,
        name="rectification_unpublish",
    ),
    path(
        "rectifications/<int:pk>/supervise/",
        rectification.supervision_open_rectification,
        name="supervision_open_rectification",
    ),
    path("items/<int:pk>/supervise/", rectification.supervision_open_item, name="supervision_open_item"),
    path("supervisions/", rectification.supervision_list, name="supervisions"),
    path("supervisions/<int:pk>/", rectification.supervision_detail, name="supervision"),
    path("supervisions/<int:pk>/follow-up/", rectification.supervision_follow_up, name="supervision_follow_up"),
    path("supervisions/<int:pk>/close/", rectification.supervision_close_view, name="supervision_close"),
    # 全覆盖 and the offline progress sheet
    path("coverage/", coverage.coverage, name="coverage"),
    path("coverage/export/", coverage.coverage_export_view, name="coverage_export"),
    path("progress-sheet/<str:code>/export/", coverage.progress_sheet_export_view, name="progress_sheet_export"),
    path("progress-sheet/import/", coverage.progress_sheet_import_view, name="progress_sheet_import"),
    path(
        "progress-sheet/import/<str:token>/",
        coverage.progress_sheet_import_preview,
        name="progress_sheet_import_preview",
    ),
    path(
        "progress-sheet/import/<str:token>/confirm/",
        coverage.progress_sheet_import_confirm,
        name="progress_sheet_import_confirm",
    ),
    path(
        "progress-sheet/import/<str:token>/cancel/",
        coverage.progress_sheet_import_cancel,
        name="progress_sheet_import_cancel",
    ),
]
