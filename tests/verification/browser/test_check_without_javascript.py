"""A customer with JavaScript switched off checks a post and a signature, and reads the answers in Japanese: the page
is plain HTML forms, nothing on it needs a script."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_without_javascript_checks_a_post_and_a_signature(browser, live_server, sent, settings):
    context = browser.new_context(java_script_enabled=False, locale="en-US", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/check/")
    # Only a browser that runs no script shows the language form's button.
    assert page.get_by_role("button", name="Change").is_visible()

    link = f"https://twitter.com/{settings.X_ACCOUNT_USERNAME}/status/{sent.posted_id}?s=20&t=AbC"
    page.get_by_label("Link to the post, or its number").fill(link)
    page.get_by_role("button", name="Check the post").click()
    assert page.locator(".check-status").inner_text() == "Genuine: this post was sent by our support desk."
    assert "^E100 was an authorised responder at the time." in page.locator(".check-answer").inner_text()
    assert page.get_by_label("Link to the post, or its number").input_value() == link

    page.get_by_label("Signature at the end of the reply").fill("＾Ｅ９９９")
    page.get_by_role("button", name="Check the signature").click()
    assert page.locator(".check-status").inner_text() == "^E999 is unknown: we have never given out this number."

    page.get_by_label("Language").select_option("ja")
    page.get_by_role("button", name="Change").click()
    assert page.locator("html").get_attribute("lang") == "ja"
    assert "^E999" in page.locator(".check-status").inner_text()
    assert "サポート窓口の公式アカウント" in page.locator(".recognise").inner_text()
    context.close()
