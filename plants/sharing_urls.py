"""Sharing: the owner's share page, invitation links, leaving a plant, and login-free kiosk links."""

from django.urls import path

from plants import views_sharing as views

urlpatterns = [
    path("plants/<int:pk>/share/", views.plant_share, name="plant_share"),
    path("plants/<int:pk>/share/members/<int:member_pk>/role/", views.member_role, name="plant_member_role"),
    path("plants/<int:pk>/share/members/<int:member_pk>/remove/", views.member_remove, name="plant_member_remove"),
    path("plants/<int:pk>/share/invitations/<int:invitation_pk>/revoke/", views.invitation_revoke,
         name="plant_invitation_revoke"),
    path("plants/<int:pk>/share/kiosk/", views.kiosk_create, name="plant_kiosk_create"),
    path("plants/<int:pk>/share/kiosk/<int:link_pk>/revoke/", views.kiosk_revoke, name="plant_kiosk_revoke"),
    path("plants/<int:pk>/leave/", views.plant_leave, name="plant_leave"),
    path("invite/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("kiosk/<str:token>/", views.kiosk, name="kiosk"),
    path("kiosk/<str:token>/live.json", views.kiosk_live, name="kiosk_live"),
    path("kiosk/<str:token>/day.json", views.kiosk_day, name="kiosk_day"),
]
