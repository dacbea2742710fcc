"""reporting/ imports only downwards: alerts > billing > limits > usage, and in each views > forms > services."""

import ast
from pathlib import Path

import reporting

ROOT = Path(reporting.__file__).parent
# Subjects, highest first: a package imports its own modules and those of the ones below.
SUBJECTS = {"alerts": 4, "billing": 3, "limits": 2, "usage": 1}
# Within a subject, a module imports only modules of a lower rank (of its own subject),
# or of a rank no higher than its own (of a subject below).
RANKS = {
    "views": 7,
    "api": 7,
    "forms": 6,
    "simulate": 5,
    # What a subject does when one below it records something, or tells of it: through its services.
    "receivers": 4.5,
    "services": 4,
    # Months of raw events (partitions, retention): below the services that ask how far back they reach.
    "retention": 3.5,
    "selectors": 3,
    "models": 2,
    # What a subject tells the ones above it.
    "signals": 1.5,
    "values": 1,
}
# Forms parse input; they never write.
WRITERS = {"services", "simulate", "retention"}
# Under every subject: plain amounts, the price list, the signals to the apps above,
# the dollars field.
BOTTOM = {
    "reporting.amounts": 0,
    "reporting.signals": 0,
    "reporting.pricing": 0.5,
    "reporting.fields": 0.6,
}
FORBIDDEN = ("transcripts", "console", "config")


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        name = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts)
        yield name.removesuffix(".__init__"), ast.parse(path.read_text())


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                # `from reporting.usage import services` imports reporting.usage.services.
                yield f"{node.module}.{alias.name}"


def _place(module: str):
    """(subject rank, module rank) of a reporting module, or None above the subjects."""
    if module in BOTTOM:
        return (0, BOTTOM[module])
    parts = module.split(".")
    if len(parts) == 3 and parts[1] in SUBJECTS and parts[2] in RANKS:
        return (SUBJECTS[parts[1]], RANKS[parts[2]])
    return None


def _target(name: str) -> str:
    """The module an import names (`reporting.usage.values.ReportFilters`: its module)."""
    for candidate in (name, name.rsplit(".", 1)[0]):
        if _place(candidate) is not None:
            return candidate
    return name


def test_no_import_inside_a_function():
    # A function-level import in reporting/ has only ever been a cycle dodged.
    found = [
        f"{module}:{node.lineno}"
        for module, tree in _modules()
        for function in ast.walk(tree)
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(function)
        if isinstance(node, ast.Import | ast.ImportFrom)
    ]
    assert found == []


def test_reporting_never_imports_the_layers_above_it():
    found = [
        f"{module} imports {name}"
        for module, tree in _modules()
        for name in _imports(tree)
        if name.split(".")[0] in FORBIDDEN
    ]
    assert found == []


def _goes_down(here, there) -> bool:
    """Whether a module at `here` may import one at `there` (both from `_place`)."""
    if there is None:
        return False
    if there[0] == here[0]:
        return there[1] < here[1]
    return there[0] < here[0] and there[1] <= here[1]


def test_forms_never_import_services():
    found = [
        f"{module} imports {_target(name)}"
        for module, tree in _modules()
        if module.endswith(".forms")
        for name in _imports(tree)
        if _target(name).rsplit(".", 1)[-1] in WRITERS
    ]
    assert found == []


def test_imports_only_go_down():
    upward = [
        f"{module} imports {_target(name)}"
        for module, tree in _modules()
        if _place(module) is not None
        for name in _imports(tree)
        if name.startswith("reporting.") and not _goes_down(_place(module), _place(_target(name)))
    ]
    assert upward == []
