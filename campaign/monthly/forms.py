"""The filing form of 月报: one group of fields per measured indicator that applies to the
unit; the rules are campaign.monthly.services', which it calls."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from campaign.monthly.services import ValueInput
from campaign.scores.models import Indicator, IndicatorValue, ValueKind

NUMBER_ERRORS = {"invalid": _("请填写数字。"), "max_digits": _("数字太大。"), "max_decimal_places": _("最多两位小数。")}
YES_NO_CHOICES = [("", _("请选择")), ("yes", _("是")), ("no", _("否"))]


def _number(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=12,
        decimal_places=2,
        error_messages=NUMBER_ERRORS,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


@dataclass
class Row:
    """One indicator's fields, for the template."""

    indicator: Indicator
    target_text: str
    fields: list  # bound fields: the value's, then the evidence
    value: IndicatorValue | None


class MonthlyValuesForm(forms.Form):
    """A unit's values for a month; an indicator left wholly empty is not filed."""

    def __init__(self, *args, indicators: list[Indicator], existing: dict[int, IndicatorValue], **kwargs):
        initial = {}
        for indicator in indicators:
            value = existing.get(indicator.pk)
            if value is None:
                continue
            prefix = f"i{indicator.pk}"
            if indicator.value_kind == ValueKind.RATIO:
                initial[f"{prefix}_numerator"] = value.numerator
                initial[f"{prefix}_denominator"] = value.denominator
            elif indicator.value_kind == ValueKind.COUNT:
                initial[f"{prefix}_count"] = (
                    value.value.normalize() if value.value == value.value.to_integral_value() else value.value
                )
            else:
                initial[f"{prefix}_yes"] = "yes" if value.value >= 1 else "no"
            initial[f"{prefix}_evidence"] = value.evidence
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            prefix = f"i{indicator.pk}"
            if indicator.value_kind == ValueKind.RATIO:
                self.fields[f"{prefix}_numerator"] = _number(_("分子"))
                self.fields[f"{prefix}_denominator"] = _number(_("分母"))
            elif indicator.value_kind == ValueKind.COUNT:
                self.fields[f"{prefix}_count"] = _number(_("数量"))
            else:
                self.fields[f"{prefix}_yes"] = forms.ChoiceField(
                    label=_("是否"), choices=YES_NO_CHOICES, required=False
                )
            self.fields[f"{prefix}_evidence"] = forms.CharField(
                label=_("佐证说明"),
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self, *, targets: dict[int, str], existing: dict[int, IndicatorValue]) -> list[Row]:
        rows = []
        for indicator in self.indicators:
            prefix = f"i{indicator.pk}"
            names = [name for name in self.fields if name.startswith(f"{prefix}_")]
            rows.append(
                Row(
                    indicator=indicator,
                    target_text=targets.get(indicator.pk, ""),
                    fields=[self[name] for name in names],
                    value=existing.get(indicator.pk),
                )
            )
        return rows

    def values(self) -> list[ValueInput]:
        """The indicators given anything, as the service's inputs."""
        data = self.cleaned_data
        given = []
        for indicator in self.indicators:
            prefix = f"i{indicator.pk}"
            evidence = data.get(f"{prefix}_evidence", "") or ""
            numerator: Decimal | None = data.get(f"{prefix}_numerator")
            denominator: Decimal | None = data.get(f"{prefix}_denominator")
            count: Decimal | None = data.get(f"{prefix}_count")
            yes = {"yes": True, "no": False}.get(data.get(f"{prefix}_yes") or "")
            if numerator is None and denominator is None and count is None and yes is None and not evidence.strip():
                continue
            given.append(
                ValueInput(
                    indicator=indicator,
                    numerator=numerator,
                    denominator=denominator,
                    count=count,
                    yes=yes,
                    evidence=evidence,
                )
            )
        return given
