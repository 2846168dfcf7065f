"""The evaluation pages under /evaluations/, by area: running a round, its results,
review coverage and leader reviews. The evaluation form itself has its own module
(reviews.ballot_urls), mounted at /p/."""

from django.urls import path

from reviews.views import results, review_coverage, reviewing, rounds

app_name = "reviews"
urlpatterns = [
    # Running a round
    path("", rounds.round_list, name="rounds"),
    path("new/", rounds.round_create_view, name="round_create"),
    path("<int:pk>/", rounds.round_detail, name="round"),
    path("<int:pk>/edit/", rounds.round_edit, name="round_edit"),
    path("<int:pk>/subjects/", rounds.round_subjects, name="round_subjects"),
    path("<int:pk>/subjects/<int:subject_pk>/remove/", rounds.round_subject_remove, name="round_subject_remove"),
    path("<int:pk>/open/", rounds.round_open_view, name="round_open"),
    path("<int:pk>/close/", rounds.round_close_view, name="round_close"),
    path("<int:pk>/progress/", rounds.round_progress_view, name="round_progress"),
    path("<int:pk>/codes/", rounds.code_sheet, name="code_sheet"),
    path("<int:pk>/poster/", rounds.round_poster, name="round_poster"),
    path("<int:pk>/paper/", rounds.paper_entry, name="paper"),
    # A round's results
    path("<int:pk>/results/", results.results_page, name="results"),
    path("<int:pk>/results/publish/", results.publish, name="publish"),
    path("<int:pk>/results/export/", results.results_export_view, name="results_export"),
    # Review coverage
    path("coverage/", review_coverage.coverage_page, name="review_coverage"),
    path("coverage/export/", review_coverage.coverage_export_view, name="review_coverage_export"),
    # 领导点评
    path("leader/due/", reviewing.review_due, name="due"),
    path("leader/", reviewing.review_list, name="reviews"),
    path("leader/new/", reviewing.review_create_view, name="review_create"),
    path("leader/<int:pk>/", reviewing.review_detail, name="review"),
    path("leader/<int:pk>/edit/", reviewing.review_edit, name="review_edit"),
    path("leader/<int:pk>/acknowledge/", reviewing.review_acknowledge_view, name="review_acknowledge"),
    path("leader/<int:pk>/revise-pledge/", reviewing.review_revise_pledge, name="review_revise_pledge"),
    path("leader/<int:pk>/history/", reviewing.review_history, name="review_history"),
]
