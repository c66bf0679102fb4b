"""An import-linter contract of our own: a module whose name starts with ``_`` is private to the package that
holds it, so only modules inside that package may import it (``convtext.train._engine`` from ``convtext.train.*``)."""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


def owner(module: str) -> str | None:
    """The package a module is private to: the parent of its first ``_private`` part (None if all parts are public)."""
    parts = module.split(".")
    for index, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:index])
    return None


class PrivateImportsContract(Contract):
    """``containers``: the packages whose private modules are checked (every importer is checked)."""

    type_name = "private imports"
    containers = fields.ListField(subfield=fields.StringField())

    def check(self, graph, verbose: bool) -> ContractCheck:
        broken = []
        for importer in sorted(graph.modules):
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                package = owner(imported)
                if package is None or not any(imported.startswith(f"{c}.") for c in self.containers):
                    continue
                if importer != package and not importer.startswith(f"{package}."):
                    broken.append(f"{importer} imports {imported}, which is private to {package}")
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["broken"]:
            output.print_error(line)
            output.new_line()
