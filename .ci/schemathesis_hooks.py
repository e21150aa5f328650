"""Schemathesis hooks for .ci/run.

WhatsApp refuses two things about named template parameters that JSON Schema
cannot state: a component that names some of its parameters and not others,
and one name given twice in a component (uniqueness of a property across array
items has no keyword). The sandbox refuses both with (#100), as WhatsApp does,
so a generated body that breaks either is not a schema-valid request the
sandbox should accept. This hook turns such a component positional (drops its
names) instead of filtering the case away, so generation keeps its breadth;
everything else in the body is left as generated.
"""

import re

import schemathesis


# The schema's `parameter_name`: pattern ^[a-z0-9_]+$ (ECMA: no newline
# before the end), at most 512 characters.
NAME = re.compile(r"[a-z0-9_]{1,512}")


def _names_break_whatsapp_rules(parameters):
    """Whether the names are each valid but, together, break one of the two
    rules. A component with any name the schema itself refuses (null, not
    a string, off the pattern, or too long) is left alone: that body is
    meant to be refused, and dropping its names would make it valid."""
    if not all(isinstance(p, dict) for p in parameters):
        return False
    given = [p["parameter_name"] for p in parameters if "parameter_name" in p]
    if not all(isinstance(n, str) and NAME.fullmatch(n) for n in given):
        return False
    mixed = 0 < len(given) < len(parameters)
    return mixed or len(set(given)) != len(given)


@schemathesis.hook("map_body")
def named_parameters_all_or_none(ctx, body):
    template = body.get("template") if isinstance(body, dict) else None
    components = template.get("components") if isinstance(template, dict) else None
    for component in components if isinstance(components, list) else []:
        parameters = component.get("parameters") if isinstance(component, dict) else None
        if isinstance(parameters, list) and _names_break_whatsapp_rules(parameters):
            for parameter in parameters:
                if isinstance(parameter, dict):
                    parameter.pop("parameter_name", None)
    return body
