from orgs.access import user_scope
from orgs.scoping import no_scope, scope_activated


class ScopeMiddleware:
    """Activates the logged-in user's scope for the whole request, templates included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Decide the scope with none active, so nothing around the request (a test's
        # own scope, say) can leak into it or hide a lookup that needs one.
        with no_scope():
            scope = user_scope(request.user)
        with scope_activated(scope):
            return self.get_response(request)
