"""The dashboard's satisfaction chart shows the neighbourhood of the threshold: from 0,
95 % and 98 % would look the same."""

from decimal import Decimal

from campaign.dashboard.selectors import _axis_floor, _axis_share


def test_a_chart_against_a_threshold_starts_a_little_below_the_lowest_value_or_threshold():
    assert _axis_floor([Decimal("95.0"), Decimal("98.0"), None], Decimal("90")) == 80
    assert _axis_floor([Decimal("71.4"), Decimal("98.0")], Decimal("90")) == 60
    assert _axis_floor([Decimal("2.0")], Decimal("90")) == 0


def test_a_chart_without_a_threshold_starts_at_zero():
    assert _axis_floor([Decimal("95.0")], None) == 0


def test_95_and_98_percent_stand_apart_on_an_axis_from_80():
    assert _axis_share(Decimal("95"), 80) == 0.75
    assert _axis_share(Decimal("98"), 80) - _axis_share(Decimal("95"), 80) > 0.1
    assert _axis_share(Decimal("50"), 80) == 0.0
    assert _axis_share(Decimal("100"), 80) == 1.0
