"""Domain errors keep their values out of the msgid (kit.errors): no f-string message, and no template without its values.

An f-string makes every value a new msgid that is never extracted, so the message stays Vietnamese on an English page;
a template whose `{name}` has no value would raise KeyError when it is filled. Both fail here, for every module.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import string
from collections.abc import Iterator
from pathlib import Path

import pytest

import ketnoi
from ketnoi.kit.errors import DomainError, Invalid
from ketnoi.web.babel_extract import CALLS

SOURCE = Path(ketnoi.__file__).parent
HELPERS = {"_invalid"}  # module shorthands that build a DomainError from their first argument


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _error_names() -> set[str]:
    for module in pkgutil.walk_packages(ketnoi.__path__, "ketnoi."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return {cls.__name__ for cls in _subclasses(DomainError)} | {"DomainError"}


ERRORS = _error_names()


def placeholders(text: str) -> set[str]:
    """The `{name}` fields of a message (format specs aside); `{{` is a literal brace, `{"key": …}` JSON text."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name and re.fullmatch(r"[A-Za-z_]\w*", name)}


def _calls() -> Iterator[tuple[str, ast.Call]]:
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
                if name in ERRORS or name in HELPERS:
                    yield f"{path.relative_to(SOURCE)}:{node.lineno}", node


def test_no_domain_error_is_raised_with_an_f_string_or_a_template_without_its_values() -> None:
    wrong = []
    for where, call in _calls():
        message = call.args[0]
        if isinstance(message, ast.JoinedStr):
            wrong.append(f"{where}: an f-string message (write a template and values={{...}})")
            continue
        if not (isinstance(message, ast.Constant) and isinstance(message.value, str)):
            continue
        needed = placeholders(message.value)
        values = next((k.value for k in call.keywords if k.arg == "values"), None)
        if needed and values is None:
            wrong.append(f"{where}: {sorted(needed)} without values=")
        elif isinstance(values, ast.Dict) and all(isinstance(k, ast.Constant) for k in values.keys):
            given = {k.value for k in values.keys if isinstance(k, ast.Constant)}
            if given != needed:
                wrong.append(f"{where}: template {sorted(needed)} but values {sorted(given)}")
    assert wrong == []


def test_every_domain_error_class_is_extracted_for_the_catalog() -> None:
    assert not ERRORS - CALLS, "add these names to CALLS in ketnoi/web/babel_extract.py"


def test_a_template_is_filled_for_the_message_and_translated_before_filling() -> None:
    error = Invalid("Tối đa {limit} quy tắc cho một bộ dữ liệu.", values={"limit": 200}).on_field("file")
    assert error.message == str(error) == "Tối đa 200 quy tắc cho một bộ dữ liệu."
    assert error.template == "Tối đa {limit} quy tắc cho một bộ dữ liệu."
    assert error.fields == {"file": "Tối đa 200 quy tắc cho một bộ dữ liệu."}  # a field's message is shown as it comes
    english = {"Tối đa {limit} quy tắc cho một bộ dữ liệu.": "At most {limit} rules per dataset."}
    assert error.text(lambda msgid: english.get(msgid, msgid)) == "At most 200 rules per dataset."
    braces = Invalid("Bản ghi {number} không phải một đối tượng JSON {{…}}.", values={"number": 7})
    assert braces.message == "Bản ghi 7 không phải một đối tượng JSON {…}."


@pytest.mark.parametrize("text", ["Dòng {line}: {error}.", "Ngày {day:%d/%m/%Y}", "JSON {{…}}", 'dạng {"tên": "giá trị"}'])
def test_placeholders_are_the_named_fields_only(text: str) -> None:
    assert placeholders(text) == {"Dòng {line}: {error}.": {"line", "error"}, "Ngày {day:%d/%m/%Y}": {"day"}}.get(text, set())
