from django.urls import include, path

from plants import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/growatt/", views.account_list, name="account_list"),
    path("accounts/growatt/add/", views.account_add, name="account_add"),
    path("accounts/growatt/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/growatt/<int:pk>/test/", views.account_test, name="account_test"),
    path("accounts/growatt/<int:pk>/credentials/", views.account_credentials, name="account_credentials"),
    path("accounts/growatt/<int:pk>/sync/", views.account_sync_now, name="account_sync_now"),
    path("accounts/growatt/<int:pk>/delete/", views.account_delete, name="account_delete"),
    path("", include("plants.dashboard_urls")),
    path("", include("plants.sharing_urls")),
]
