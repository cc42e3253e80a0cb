"""``safemaker rules``: print the classification of every SageMaker operation."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.table import Table

from ..rules_classification import OperationClass, classification, counts
from ._common import err, fail, handle_errors, human_format, out

_FORMATS = ("text", "json", "markdown")
_CLASSES = tuple(c.value for c in OperationClass)


def rules(
    format: str = typer.Option("text", "--format", "-f", help="text (alias: table), json or markdown."),
    operation_class: Optional[str] = typer.Option(
        None, "--class", "-c", help="Only operations of this class: guarded, no-network-effect or refused."),
) -> None:
    """Print how safemaker classifies every operation of the installed botocore SageMaker model.

    Each operation is guarded (fields checked, references followed),
    no-network-effect (the reason) or refused (the reason); the IAM condition
    keys that express the same rules are listed. The coverage table a security
    team asks for. json: {"counts": {...}, "operations": [{"operation",
    "class", "fields", "references", "condition_keys", "reason"}]}.
    An operation botocore has and the table lacks is listed as "unclassified"
    (json) and refused by the guard unless the profile sets
    allow_unclassified_operations. Exit 2 for a bad --format or --class.
    """
    format = human_format(format, _FORMATS)
    if operation_class is not None and operation_class not in _CLASSES:
        raise fail(f"--class is {operation_class!r}; expected one of {', '.join(_CLASSES)}")
    import botocore.session

    model_ops = set(botocore.session.get_session().get_service_model("sagemaker").operation_names)
    table = classification()
    unclassified = sorted(model_ops - set(table))
    rows = [r for r in table.values() if operation_class is None or r.operation_class.value == operation_class]
    if format == "json":
        doc = {"counts": counts(), "unclassified": unclassified, "operations": [r.as_dict() for r in rows]}
        out.print_json(json.dumps(doc))
        return
    if format == "markdown":
        from ..rules_classification import rules_markdown

        out.print(rules_markdown(), end="", highlight=False)
        return
    t = Table("operation", "class", "fields (path: rule)", "references", "IAM condition keys", "reason",
              title="SageMaker operations", show_lines=False)
    for r in rows:
        t.add_row(r.operation, r.operation_class.value, "\n".join(r.fields), "\n".join(r.references),
                  "\n".join(r.condition_keys), r.reason)
    out.print(t)
    c = counts()
    err.print(f"{sum(c.values())} operations classified: {c['guarded']} guarded, {c['no-network-effect']} no network "
              f"effect, {c['refused']} refused; {len(unclassified)} of botocore's {len(model_ops)} unclassified"
              + (f" ({', '.join(unclassified)})" if unclassified else ""), highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``safemaker rules`` to the root app."""
    app.command("rules")(handle_errors(rules))
