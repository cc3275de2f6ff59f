from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from accounts.context_processors import layout_links

register = template.Library()


@register.simple_tag
def field_widget(field):
    """The field's input, tied to its help text and its errors for screen readers; an error of
    the whole form (includes/form_errors.html, e.g. "wrong email or password") describes every
    field of it."""
    described_by = []
    if field.form.non_field_errors():
        described_by.append("form-errors")
    if field.help_text:
        described_by.append(f"{field.auto_id}_helptext")
    if field.errors:
        described_by.append(f"{field.auto_id}_error")
    attrs = {"aria-describedby": " ".join(described_by)} if described_by else {}
    if field.errors:
        attrs["aria-invalid"] = "true"
    focus = _takes_focus_after_errors(field)
    if focus is not None:
        attrs["autofocus"] = focus
    return field.as_widget(attrs=attrs)


def _takes_focus_after_errors(field) -> bool | None:
    """Whether ``field`` has the focus on a form sent back with errors: the first field to type
    again has it, one with an error or an input the page does not fill in again (a password, a
    code), so after a wrong password its field has the focus and the email stays as typed.
    None where the form's own autofocus stands (not sent, or nothing of that kind)."""
    form = field.form
    if not form.is_bound or not form.errors:
        return None
    for bound in form.visible_fields():
        if bound.errors or getattr(bound.field.widget, "render_value", True) is False:
            return bound.name == field.name
    return None


@register.simple_tag
def icon(name, label=""):
    """An icon of the portal's sprite (static/icons/icons.svg). Without a label it is decoration,
    hidden from screen readers, beside a text that says the same; with one it is an image that
    says it."""
    if label:
        return format_html(
            '<svg class="icon" role="img" aria-label="{}" focusable="false">'
            '<use href="{}#{}"></use></svg>',
            label,
            layout_links()["icons"],
            name,
        )
    return _decoration(layout_links()["icons"], str(name))


@lru_cache(maxsize=256)
def _decoration(sprite: str, name: str) -> SafeString:
    """An icon without a label: the same markup for the same sprite and name, made once."""
    return format_html(
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#{}"></use></svg>',
        sprite,
        name,
    )
