"""Which campaign a page works in. Always one the user chose or the address names, never
a guess: several campaigns run at once in one county (创先争优, a health bureau's 三好一满意,
a transport bureau's 平安单位), over overlapping subtrees.

A page takes the campaign named by ``?campaign=`` (a 404 when the user cannot see it,
alike for "does not exist" and "not yours", as orgs.scoping's access_* helpers answer),
else the one the user chose last (remembered in the session, shown in the page header),
else the only one the user can see (nothing is remembered then: there was no choice to
make). A user who sees several and has chosen none is sent
to the choice page first (CampaignChoiceNeeded, turned into that redirect by
campaign.campaigns.middleware), and comes back to the page asked for.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.campaigns.selectors import visible_campaigns

SESSION_KEY = "chosen_campaign"
SESSION_NAME_KEY = "chosen_campaign_name"  # for the header, so it costs no query


class CampaignChoiceNeeded(Exception):
    """The user sees several campaigns and has not said which one this page is about."""


def campaign_remember(request, campaign: Campaign) -> None:
    """Make ``campaign`` the user's choice for the pages that follow."""
    if request.session.get(SESSION_KEY) != campaign.pk or request.session.get(SESSION_NAME_KEY) != campaign.name:
        request.session[SESSION_KEY] = campaign.pk
        request.session[SESSION_NAME_KEY] = campaign.name


def campaign_named(request, value: str) -> Campaign:
    """The visible campaign whose id is ``value``, remembered as the choice; else 404."""
    campaign = visible_campaigns(request.user).filter(pk=value).first() if value.isdigit() else None
    if campaign is None:
        raise Http404(_("找不到该活动，或您无权查看。"))
    campaign_remember(request, campaign)
    return campaign


def campaign_in_use(request, *, ask: bool = True) -> Campaign | None:
    """The campaign the page works in (module docstring); None when the user can see no
    campaign at all. With several to choose from and none chosen: CampaignChoiceNeeded,
    or None when ``ask`` is False (a page that does without one, such as home)."""
    named = request.GET.get("campaign", "")
    if named:
        return campaign_named(request, named)
    campaigns = visible_campaigns(request.user)
    remembered = request.session.get(SESSION_KEY)
    if remembered is not None:
        campaign = campaigns.filter(pk=remembered).first()
        if campaign is not None:
            campaign_remember(request, campaign)
            return campaign
    visible = list(campaigns[:2])
    if len(visible) == 1:
        # Nothing to choose: not written to the session, so a page costs no write.
        return visible[0]
    if visible and ask:
        raise CampaignChoiceNeeded
    return None


def access_chosen_campaign(request) -> Campaign:
    """campaign_in_use, for pages that cannot do without one: 404 when there is none."""
    campaign = campaign_in_use(request)
    if campaign is None:
        raise Http404(_("还没有您能查看的活动。"))
    return campaign
