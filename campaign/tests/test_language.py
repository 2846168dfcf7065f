from django.urls import reverse


def test_english_browser_still_gets_chinese(client, db):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in page.text and page["Content-Language"] == "zh-hans"


def test_language_chosen_in_the_footer_sticks(client, db):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page["Content-Language"] == "en"
