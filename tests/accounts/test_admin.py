"""The Django admin's list pages with what a hand-edited URL can hold."""

import pytest
from django.test import Client
from django.urls import reverse

CHANGELIST = reverse("admin:accounts_employee_changelist")


@pytest.fixture
def administrator(people) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(people.administrator)
    return client


@pytest.mark.parametrize("query", ["status=%00", "status__exact=a%00b", "q=%00", "q=E1%0000", "sta%00tus=active"])
def test_a_nul_byte_in_the_employee_list_query_is_refused_with_a_page_not_a_server_error(administrator, query):
    response = administrator.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 400
    assert "The desk could not read what was sent" in response.content.decode()


@pytest.mark.parametrize(
    "page",
    ["admin:inbox_queue_changelist", "admin:inbox_routingrule_changelist", "admin:inbox_replytemplate_changelist"],
)
def test_a_nul_byte_is_refused_on_every_admin_list(administrator, page):
    for query in ("q=%00", "queue__id__exact=%00", "name=%00"):
        response = administrator.get(f"{reverse(page)}?{query}")
        assert response.status_code == 400, (page, query)


def test_the_employee_list_still_filters_and_searches(people, administrator):
    filtered = administrator.get(CHANGELIST, {"status": "pending"})
    assert filtered.status_code == 200
    assert [e.employee_number for e in filtered.context["cl"].result_list] == ["P100"]
    searched = administrator.get(CHANGELIST, {"q": "C100"})
    assert [e.employee_number for e in searched.context["cl"].result_list] == ["C100"]
