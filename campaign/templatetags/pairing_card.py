"""The dashboard's 党群共建 card. A tag rather than a line of the dashboard view: the
pairing room reads the dashboard's figures rollup, so it sits above the dashboard in the
layers, and the dashboard may not import it; the template asks for the card instead."""

from django import template
from django.utils import timezone

from campaign.pairing.selectors import pairing_summary

register = template.Library()


@register.inclusion_tag("campaign/pairing/_dashboard_card.html", takes_context=True)
def pairing_card(context, campaign):
    """The card for the campaign in the viewer's scope; nothing when it has no pairs and
    no mass organizations' work."""
    summary = pairing_summary(context["request"].user, campaign, today=timezone.localdate())
    shown = summary.pairs or summary.mass_activities or summary.honours
    return {"campaign": campaign, "summary": summary if shown else None}
