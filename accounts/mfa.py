from allauth.mfa.models import Authenticator


def has_totp(employee) -> bool:
    return Authenticator.objects.filter(user=employee, type=Authenticator.Type.TOTP).exists()
