"""The W3C Web Annotation Data Model's rules for collections and pages (sections 5.1 and
5.2 of https://www.w3.org/TR/annotation-model/), written as a JSON Schema, as the W3C's
own test suite (web-platform-tests, annotation-model/) checks them: `next`, `prev`,
`last` and `partOf` are single IRIs, `first` an IRI or one embedded AnnotationPage,
`total` and `startIndex` whole numbers, `first` required when `total` is above zero,
items Annotations (or their IRIs)."""

import jsonschema

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"

IRI = {"type": "string", "format": "uri", "pattern": r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$"}
COUNT = {"type": "integer", "minimum": 0}


def _one(schema: dict) -> dict:
    # JSON-LD allows a single value to be written as a one-element array.
    return {"oneOf": [schema, {"type": "array", "minItems": 1, "maxItems": 1, "items": schema}]}


def _type(name: str) -> dict:
    return {
        "oneOf": [
            {"const": name},
            {"type": "array", "contains": {"const": name}},
        ]
    }


ANNOTATION = {
    "type": "object",
    "required": ["@context", "id", "type", "target"],
    "properties": {"id": IRI, "type": _type("Annotation")},
}
# Embedded in a page, an annotation may leave out the @context the collection gives.
EMBEDDED_ANNOTATION = ANNOTATION | {"required": ["id", "type", "target"]}

PAGE = {
    "type": "object",
    "required": ["id", "type", "items"],
    "properties": {
        "@context": {"const": ANNO_CONTEXT},
        "id": IRI,
        "type": _type("AnnotationPage"),
        "partOf": _one(IRI),
        "next": _one(IRI),
        "prev": _one(IRI),
        "startIndex": _one(COUNT),
        "items": {
            "type": "array",
            "items": {"oneOf": [EMBEDDED_ANNOTATION, {"type": "string", "format": "uri"}]},
        },
    },
}

COLLECTION = {
    "type": "object",
    "required": ["@context", "id", "type"],
    "properties": {
        "@context": {"const": ANNO_CONTEXT},
        "id": IRI,
        "type": _type("AnnotationCollection"),
        "label": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "total": _one(COUNT),
        "first": _one({"oneOf": [IRI, PAGE]}),
        "last": _one(IRI),
    },
    # first is required when total is more than zero.
    "if": {"required": ["total"], "properties": {"total": {"exclusiveMinimum": 0}}},
    "then": {"required": ["first"]},
}


def check_collection(document: dict) -> None:
    """Raise jsonschema.ValidationError where `document` breaks the model's rules."""
    jsonschema.validate(document, COLLECTION)


def check_page(document: dict) -> None:
    """Raise jsonschema.ValidationError where a page served on its own breaks the rules
    (it then carries its own @context)."""
    jsonschema.validate(document, PAGE | {"required": ["@context", "id", "type", "items"]})
