"""党群共建: pairs and joint activities, mass organizations' work, joint meetings."""

from django.urls import path

from campaign.pairing import views

urlpatterns = [
    path("pairing/", views.pair_list, name="pairs"),
    path("pairing/new/", views.pair_create_view, name="pair_create"),
    path("pairing/<int:pk>/", views.pair_detail, name="pair"),
    path("pairing/<int:pk>/edit/", views.pair_edit, name="pair_edit"),
    path("pairing/<int:pk>/activities/new/", views.pair_activity_create, name="pair_activity_create"),
    path("pairing/photos/<int:pk>/", views.pair_photo, name="pair_photo"),
    path("pairing/mass/", views.mass_organization_list, name="mass_organizations"),
    path("pairing/mass/<str:code>/", views.mass_organization, name="mass_organization"),
    path("pairing/mass/<str:code>/activities/new/", views.mass_activity_create, name="mass_activity_create"),
    path("pairing/mass/<str:code>/honours/new/", views.mass_honour_create, name="mass_honour_create"),
    path("pairing/mass-photos/<int:pk>/", views.mass_photo, name="mass_photo"),
    path("pairing/meetings/", views.joint_meeting_list, name="joint_meetings"),
    path("pairing/meetings/new/", views.joint_meeting_create, name="joint_meeting_create"),
    path("pairing/meetings/<int:pk>/", views.joint_meeting, name="joint_meeting"),
    path("pairing/meetings/<int:pk>/tasks/", views.followup_task_add_view, name="followup_task_add"),
    path(
        "pairing/meetings/<int:pk>/tasks/<int:task_pk>/", views.followup_task_update_view, name="followup_task_update"
    ),
]
