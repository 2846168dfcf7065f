"""Password rules. Django's own, except where its Chinese falls short."""

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's minimum length, with the refusal in Chinese: Django's zh_Hans catalog
    leaves this one sentence in English, in the middle of a Chinese form."""

    def get_error_message(self) -> str:
        return ngettext(
            "密码太短，至少要 %(min_length)d 个字符。", "密码太短，至少要 %(min_length)d 个字符。", self.min_length
        ) % {"min_length": self.min_length}
