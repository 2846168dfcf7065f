from orgs.scoping import scope_activated, user_scope


class ScopeMiddleware:
    """Activates the logged-in user's scope for the whole request, templates included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with scope_activated(user_scope(request.user)):
            return self.get_response(request)
