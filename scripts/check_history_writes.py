"""Fail when app code writes rows in a way django-simple-history does not record.

QuerySet.update(), bulk_create(), bulk_update() and queryset deletes write no history
rows, so every write must go through a model's save() in a service. This walks the
syntax tree of the app packages (not tests, benchmarks or migrations) and lists each
call of those methods on a queryset chain (`X.objects...`, `.filter(...)`, ...).

One exception: a function that also calls `record_history(...)`
(annotator/services/bulk_history.py, which copies the written rows into their history
table) may use update() or bulk_create(); it is how an article revision moves thousands
of annotations in well under a second, and how an import writes 100,000.
Run by `make lint` and CI.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("annotator", "articles")
WRITES = {"update", "bulk_create", "bulk_update", "_raw_delete", "delete"}
# Rows that are not content and keep no history: the change feed, and background
# imports (a file and its progress), both pruned in bulk.
NOT_CONTENT = {"Event", "ImportJob"}
QUERYSET_METHODS = {
    "all", "filter", "exclude", "select_related", "prefetch_related", "order_by", "only",
    "defer", "live", "for_article", "annotate", "select_for_update", "using",
}  # fmt: skip


def _is_queryset_chain(node: ast.expr) -> bool:
    if isinstance(node, ast.Attribute):
        if node.attr == "objects":
            return not (isinstance(node.value, ast.Name) and node.value.id in NOT_CONTENT)
        return _is_queryset_chain(node.value)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in QUERYSET_METHODS and not _rooted_in_log(node.func.value)
    return False


def _rooted_in_log(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute | ast.Call):
        if isinstance(node, ast.Call):
            node = node.func
        elif node.attr == "objects" and isinstance(node.value, ast.Name):
            return node.value.id in NOT_CONTENT
        else:
            node = node.value
    return False


RECORDS_HISTORY = "record_history"
# What a function that records the history of its rows itself may do.
SANCTIONED = {"update", "bulk_create"}


def _records_history(function: ast.AST) -> bool:
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name == RECORDS_HISTORY:
                return True
    return False


def offenders(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    sanctioned = set()
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) and _records_history(
            function
        ):
            sanctioned |= {id(node) for node in ast.walk(function)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method, receiver = node.func.attr, node.func.value
        if method in SANCTIONED and id(node) in sanctioned:
            continue
        if method in WRITES and _is_queryset_chain(receiver):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: .{method}() on a queryset")
    return found


def main() -> int:
    found = [
        line
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
        for line in offenders(path)
    ]
    for line in found:
        print(line)
    if found:
        print("These write without history rows; save through a service instead.")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
