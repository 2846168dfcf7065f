from django.conf import settings
from django.utils import translation
from django.utils.translation import check_for_language


class ChosenLanguageMiddleware:
    """Chinese unless the user picked another language in the footer.

    Django's LocaleMiddleware would follow the browser's Accept-Language, and office
    PCs with an English Windows would then get an English interface nobody asked for.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen and check_for_language(chosen) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
