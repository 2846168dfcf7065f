"""Which campaign a page is about, fetched and checked together (404 alike for
"does not exist" and "not yours", as orgs.scoping's access_* helpers answer)."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from campaign.campaigns.models import Campaign
from campaign.campaigns.selectors import current_campaign


def access_chosen_campaign(request) -> Campaign:
    """The campaign chosen with ?campaign=, else the user's current one; 404 if none is visible."""
    chosen = request.GET.get("campaign", "")
    if chosen.isdigit():
        return get_object_or_404(Campaign.objects.all(), pk=int(chosen))
    campaign = current_campaign(request.user)
    if campaign is None:
        raise Http404(_("还没有您能查看的活动。"))
    return campaign
