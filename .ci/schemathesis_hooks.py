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

import schemathesis


def _names_break_whatsapp_rules(parameters):
    names = [p.get("parameter_name") for p in parameters if isinstance(p, dict)]
    given = [n for n in names if n is not None]
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
