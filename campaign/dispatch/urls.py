"""工作部署 / 督办件."""

from django.urls import path

from campaign.dispatch import views

urlpatterns = [
    path("dispatch/", views.dispatch_list, name="dispatch"),
    path("dispatch/new/", views.dispatch_create, name="dispatch_create"),
    path("dispatch/<int:pk>/", views.dispatch_task, name="dispatch_task"),
    path("dispatch/<int:pk>/remind/", views.dispatch_remind_view, name="dispatch_remind"),
    path("dispatch/<int:pk>/export/", views.dispatch_export, name="dispatch_export"),
    path("dispatch/attachments/<int:pk>/", views.dispatch_attachment, name="dispatch_attachment"),
    path("dispatch/recipients/<int:pk>/", views.dispatch_recipient, name="dispatch_recipient"),
    path("dispatch/recipients/<int:pk>/return/", views.dispatch_return_view, name="dispatch_return"),
    path("dispatch/recipients/<int:pk>/extension/", views.dispatch_extension_view, name="dispatch_extension"),
    path(
        "dispatch/recipients/<int:pk>/decision/",
        views.dispatch_extension_decide_view,
        name="dispatch_extension_decide",
    ),
    path("dispatch/return-files/<int:pk>/", views.dispatch_return_file_view, name="dispatch_return_file"),
]
