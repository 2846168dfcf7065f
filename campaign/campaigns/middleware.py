"""A page that needs a campaign, asked by a user who sees several and has chosen none,
sends the user to the choice page and back (campaign.campaigns.access)."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from campaign.campaigns.access import CampaignChoiceNeeded


class CampaignChoiceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CampaignChoiceNeeded):
            return None
        back = request.get_full_path() if request.method == "GET" else ""
        return redirect(f"{reverse('campaign:choose')}?{urlencode({'next': back})}" if back else "campaign:choose")
