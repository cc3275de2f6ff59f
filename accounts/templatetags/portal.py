from django import template

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
    return field.as_widget(attrs=attrs)
