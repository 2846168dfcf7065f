from django.urls import reverse

from orgs.access import scope_for_user
from orgs.models import Member, Role, User
from orgs.tests.factories import PASSWORD, make_member


def open_url(organization):
    return reverse("orgs:accounts_open", args=[organization.code])


def test_secretary_opens_accounts_for_own_branch_members(client, county):
    client.force_login(county.secretary_user_a1)
    response = client.post(open_url(county.branch_a1))
    assert response.status_code == 200
    opened = response.context["opened"]
    # The secretary already has an account and so does 钟建军; only 兰永福 is new.
    assert [account.member.name for account in opened] == ["兰永福"]
    account = opened[0]
    assert account.user.role == Role.MEMBER
    assert account.password in response.text
    assert client.login(username=account.user.username, password=account.password)
    assert scope_for_user(account.user).member_id == county.other_member_a1.pk


def test_opening_again_opens_nothing(client, county):
    client.force_login(county.secretary_user_a1)
    client.post(open_url(county.branch_a1))
    response = client.post(open_url(county.branch_a1))
    assert response.context["opened"] == []


def test_leader_opens_a_secretary_account_for_a_branch_secretary(client, county):
    secretary = make_member(county.branch_a2, "顾红霞", post="secretary", gender="female", phone="13909370001")
    client.force_login(county.leader_a)
    response = client.post(open_url(county.branch_a2))
    opened = {account.member: account for account in response.context["opened"]}
    user = opened[secretary].user
    assert (user.username, user.role, user.organization) == ("13909370001", Role.SECRETARY, county.branch_a2)
    assert opened[county.member_a2].user.role == Role.MEMBER


def test_secretary_cannot_open_accounts_in_another_branch(client, county):
    client.force_login(county.secretary_user_a1)
    assert client.post(open_url(county.branch_b1)).status_code == 404
    assert not User.objects.filter(member=county.member_b1).exists()


def test_secretary_cannot_reset_a_leaders_password(client, county):
    # The township leader's party membership sits in the secretary's branch.
    leader_member = county.leader_a.member
    leader_member.organization = county.branch_a1
    leader_member.save()
    client.force_login(county.secretary_user_a1)
    assert client.post(reverse("orgs:account_reset", args=[leader_member.pk])).status_code == 403
    assert client.login(username="leader_a", password=PASSWORD)


def test_inspector_and_member_may_not_open_accounts(client, county):
    client.force_login(county.inspector_b)
    assert client.post(open_url(county.branch_b1)).status_code == 403
    client.force_login(county.member_user_a1)
    assert client.post(open_url(county.branch_a1)).status_code == 403
    assert not User.objects.filter(member=county.other_member_a1).exists()


def test_reset_password_gives_a_new_working_password(client, county):
    client.force_login(county.secretary_user_a1)
    response = client.post(reverse("orgs:account_reset", args=[county.member_a1.pk]))
    password = response.context["opened"][0].password
    assert client.login(username="member_a1", password=password)


def test_reset_password_outside_scope_is_404(client, county):
    client.force_login(county.secretary_user_a1)
    assert client.post(reverse("orgs:account_reset", args=[county.secretary_b1.pk])).status_code == 404
    assert Member.objects.filter(pk=county.secretary_b1.pk).exists()


def test_organization_page_lists_accounts_for_those_who_may_open_them(client, county):
    client.force_login(county.secretary_user_a1)
    page = client.get(county.branch_a1.get_absolute_url())
    assert "为未开通账号的党员开通账号" in page.text and "member_a1" in page.text
    client.force_login(county.member_user_a1)
    page = client.get(county.branch_a1.get_absolute_url())
    assert "开通账号" not in page.text


def test_refusal_is_explained_in_chinese(client, county):
    client.force_login(county.inspector_b)
    response = client.post(open_url(county.branch_b1))
    assert response.status_code == 403 and "您只能查看该组织，不能修改。" in response.text
