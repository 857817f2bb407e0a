from django.conf import settings


def site(request):
    return {"open_signup": settings.OPEN_SIGNUP}
