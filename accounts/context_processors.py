from django.conf import settings


def desk(request) -> dict:
    return {"DEMO_MODE": settings.DEMO_MODE}
