"""The list of notice boards (公开栏) of the organizations in the user's scope, with
links to their QR posters; the boards themselves are campaign.board's, since they show
evaluation results beside the pledges."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from campaign.infra.search import search_query
from pledges.selectors import board_organizations

BOARDS_PER_PAGE = 50


@login_required
@require_GET
def board_links(request):
    """The boards of the organizations in the user's scope, with their QR posters."""
    query = search_query(request)
    page = Paginator(board_organizations(query=query), BOARDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "pledges/board_links.html", {"page": page, "query": query})
