"""Template helpers for the dashboards: live summary of a plant card, power and energy with units."""

from django import template

from plants import charts

register = template.Library()


@register.filter
def live_summary(plant):
    """``{% with live=plant|live_summary %}``: the same dict the live.json endpoint returns."""
    return charts.live_summary(plant)


@register.filter
def power(watts):
    return charts.format_power(watts)


@register.filter
def energy(kwh):
    return charts.format_energy(kwh)


@register.filter
def percent(value):
    return charts.format_percent(value)
