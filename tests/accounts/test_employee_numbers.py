"""Employee numbers: unique whatever the case, validated, and clear about what is wrong."""

import uuid

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Employee
from accounts.numbers import normalize_employee_number, validate_employee_number
from tests import cast


def sign_up(number: str, email: str = "someone@example.com"):
    return Client().post(
        reverse("account_signup"),
        {"username": number, "email": email, "password1": cast.PASSWORD, "password2": cast.PASSWORD},
    )


def test_numbers_are_stored_upper_case_and_full_width_input_is_accepted(db):
    sign_up("ｅ０４２")
    assert Employee.objects.get().employee_number == "E042"


def test_the_same_number_in_another_case_is_refused_with_a_message(db):
    sign_up("E042", "first@example.com")
    response = sign_up("e042", "second@example.com")
    assert response.status_code == 200
    assert "already" in response.content.decode()
    assert Employee.objects.count() == 1


def test_the_number_of_a_deleted_employee_is_refused_with_a_message(db):
    """Numbers are never issued twice (the database refuses it: tests/verification/test_numbers.py); the sign-up form
    says so instead of failing."""
    gone = cast.sign_up("E042")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM accounts_employee WHERE id = %s", [gone.pk])
    response = sign_up("e042", "second@example.com")
    assert response.status_code == 200
    assert "never given out again" in response.content.decode()
    assert not Employee.objects.exists()


def test_the_database_refuses_a_differently_cased_twin(db):
    cast.sign_up("E042")
    twin = Employee(employee_number="e042", email="twin@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


@pytest.mark.parametrize("bad", ["", "E", "E-042", "E 042", "ＥＸＴＲＡＬＯＮＧＮＵＭＢＥＲ１", "社員042", "E042;DROP"])
def test_invalid_numbers_are_refused_with_an_example_of_a_good_one(db, bad):
    response = sign_up(bad)
    assert response.status_code == 200
    page = response.content.decode()
    assert "E042" in page or "This field is required" in page
    assert not Employee.objects.exists()


def test_validator_messages_name_the_expected_shape():
    with pytest.raises(ValidationError) as error:
        validate_employee_number("E-1")
    assert "not a valid employee number" in error.value.messages[0]
    assert "E042" in error.value.messages[0]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(max_size=60))
def test_any_input_is_either_a_clean_number_or_a_clear_error(db, raw):
    cache.clear()  # each example is a new person; the sign-up rate limit is tested elsewhere
    email = f"fuzz-{uuid.uuid4().hex}@example.com"
    response = sign_up(raw, email)
    assert response.status_code in (200, 302)
    created = Employee.objects.filter(email=email).first()
    if created is not None:
        assert created.employee_number == normalize_employee_number(raw)
        validate_employee_number(created.employee_number)
    else:
        assert response.status_code == 200
        assert 'class="errorlist' in response.content.decode() or "This field is required" in response.content.decode()
