"""What allauth changes in its own flows reaches the trail through signals, the only hook it offers for these:

- sign-in, sign-out and failed sign-in: Django's auth signals;
- two-factor methods: allauth's MFA signals, which it sends after its own transaction commits;
- a person's addresses and password: allauth's account signals, which its flows send outside any transaction
  (no view of theirs is atomic, and ATOMIC_REQUESTS is off). Each receiver still defers its entry to
  `transaction.on_commit`: that runs at once outside a transaction, and inside one (a future allauth flow,
  ATOMIC_REQUESTS turned on) waits for allauth's change to commit, where the service's durable transaction can
  open instead of raising RuntimeError after the change was made, and records nothing if it rolls back.
  A reset request is recorded by the adapter (accounts/adapters.py), which decides whether the link is sent.
"""

from allauth.account.signals import (
    email_added,
    email_changed,
    email_confirmed,
    email_removed,
    password_changed,
    password_reset,
    password_set,
)
from allauth.mfa.signals import authenticator_added, authenticator_removed, authenticator_reset
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.dispatch import receiver

from . import services


@receiver(user_logged_in, dispatch_uid="audit_sign_in")
def _signed_in(sender, request, user, **kwargs):
    services.record_sign_in(user)


@receiver(user_logged_out, dispatch_uid="audit_sign_out")
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        services.record_sign_out(user)


@receiver(user_login_failed, dispatch_uid="audit_sign_in_failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    identifier = credentials.get("username") or credentials.get("email") or credentials.get("login") or ""
    services.record_failed_sign_in(str(identifier))


@receiver(authenticator_added, dispatch_uid="audit_mfa_added")
def _mfa_added(sender, request, user, authenticator, **kwargs):
    services.record_mfa_change(user, "added", authenticator.type)


@receiver(authenticator_removed, dispatch_uid="audit_mfa_removed")
def _mfa_removed(sender, request, user, authenticator, **kwargs):
    services.record_mfa_change(user, "removed", authenticator.type)


@receiver(authenticator_reset, dispatch_uid="audit_mfa_reset")
def _mfa_reset(sender, request, user, authenticator, **kwargs):
    services.record_mfa_change(user, "reset", authenticator.type)


# The values are read when the signal comes, not when the entry is written: allauth goes on changing the rows.


@receiver(email_added, dispatch_uid="audit_email_added")
def _email_added(sender, request, user, email_address, **kwargs):
    email = email_address.email
    transaction.on_commit(lambda: services.record_email_added(user, email))


@receiver(email_removed, dispatch_uid="audit_email_removed")
def _email_removed(sender, request, user, email_address, **kwargs):
    email = email_address.email
    transaction.on_commit(lambda: services.record_email_removed(user, email))


@receiver(email_changed, dispatch_uid="audit_email_made_primary")
def _email_made_primary(sender, request, user, from_email_address, to_email_address, **kwargs):
    previous = from_email_address.email if from_email_address else None
    email = to_email_address.email
    transaction.on_commit(lambda: services.record_email_made_primary(user, previous=previous, email=email))


@receiver(email_confirmed, dispatch_uid="audit_email_verified")
def _email_verified(sender, request, email_address, **kwargs):
    # The confirmation link proves the owner holds the mailbox; allauth signs out anyone else who opens it.
    owner, email, primary = email_address.user, email_address.email, email_address.primary
    transaction.on_commit(lambda: services.record_email_verified(owner, email, primary=primary))


@receiver(password_changed, dispatch_uid="audit_password_changed")
def _password_changed(sender, request, user, **kwargs):
    transaction.on_commit(lambda: services.record_password_changed(user))


@receiver(password_set, dispatch_uid="audit_password_set")
def _password_set(sender, request, user, **kwargs):
    transaction.on_commit(lambda: services.record_password_set(user))


@receiver(password_reset, dispatch_uid="audit_password_reset_completed")
def _password_reset_completed(sender, request, user, **kwargs):
    transaction.on_commit(lambda: services.record_password_reset_completed(user))
