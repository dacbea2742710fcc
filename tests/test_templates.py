"""Templates hold markup only: styles live in console.css, scripts in static/js/.

A Content-Security-Policy without 'unsafe-inline' must be able to run every page,
so no template may carry a style attribute, a <style> element, an inline event
handler or an inline <script> with code (json_script writes its data block at
render time, so it never appears in a template's source).
"""

import re
from pathlib import Path

import pytest
from django import forms
from django.conf import settings

TEMPLATES_DIR = Path(settings.BASE_DIR) / "templates"
TEMPLATES = sorted(TEMPLATES_DIR.rglob("*.html")) + sorted(TEMPLATES_DIR.rglob("*.txt"))

COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)
FORBIDDEN = {
    "a style= attribute": re.compile(r"(?<![\w-])style\s*=", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "an inline event handler (on…=)": re.compile(r"(?<![\w-])on[a-z]+\s*=", re.I),
    "an hx-on attribute (inline code run by htmx)": re.compile(r"\bhx-on\b", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.I | re.S)
DATA_TYPE = re.compile(r"""type\s*=\s*["']application/(ld\+)?json["']""", re.I)


def inline_code_problems(source: str) -> list[str]:
    """What in one template's source would need 'unsafe-inline' (empty when nothing)."""
    source = COMMENT.sub("", source)
    problems = [
        f"{what}: {match.group(0)!r} on line {source.count(chr(10), 0, match.start()) + 1}"
        for what, pattern in FORBIDDEN.items()
        for match in pattern.finditer(source)
    ]
    for match in SCRIPT.finditer(source):
        attrs, body = match.group(1), match.group(2)
        if DATA_TYPE.search(attrs):
            continue
        if "src=" not in attrs or body.strip():
            line = source.count("\n", 0, match.start()) + 1
            problems.append(f"an inline <script> on line {line}: load a file from static/js/")
    return problems


def test_templates_are_found():
    assert len(TEMPLATES) > 40


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES_DIR)))
def test_template_has_no_inline_style_or_script(path):
    assert inline_code_problems(path.read_text()) == []


def test_every_script_file_carries_the_csp_nonce():
    """The Content-Security-Policy runs only scripts with the response's nonce."""
    missing = [
        f"{path.relative_to(TEMPLATES_DIR)}: <script{attributes}>"
        for path in TEMPLATES
        for attributes, _code in SCRIPT.findall(COMMENT.sub("", path.read_text()))
        if "src=" in attributes and 'nonce="{{ csp_nonce }}"' not in attributes
    ]
    assert missing == []


@pytest.mark.parametrize(
    "source",
    [
        '<p style="margin:0">',
        "<p {% if x %}style='color:red'{% endif %}>",
        "<style>p { margin: 0 }</style>",
        '<input onfocus="this.select()">',
        '<form hx-on::after-request="reset()">',
        '<a href="javascript:void(0)">',
        "<script>alert(1)</script>",
        '<script src="/static/js/a.js">alert(1)</script>',
    ],
)
def test_the_check_catches_inline_code(source):
    assert inline_code_problems(source)


@pytest.mark.parametrize(
    "source",
    [
        "<script src=\"{% static 'js/confirm-dialog.js' %}\"></script>",
        '<script type="application/json" id="data">{"a": 1}</script>',
        "{{ chart|json_script:'usage-chart-data' }}",
        '{# <p style="x"> in a comment #}',
        '<p class="muted">Data on the <a href="/x">page</a> is styled.</p>',
    ],
)
def test_the_check_allows_files_data_and_prose(source):
    assert inline_code_problems(source) == []


class SampleForm(forms.Form):
    name = forms.CharField(label="Project name", help_text="Shown in reports.")
    kind = forms.ChoiceField(
        label="Fire", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    remember = forms.BooleanField(label="Remember me", required=False)


def test_forms_render_through_the_console_templates():
    html = str(SampleForm())
    assert '<div class="field">' in html
    assert '<label for="id_name">Project name</label>' in html
    assert '<span class="helptext" id="id_name_helptext">Shown in reports.</span>' in html
    assert '<fieldset class="field"' in html and "<legend>Fire</legend>" in html
    assert '<div class="field check">' in html


def test_errors_are_listed_under_the_label_and_tied_to_the_widget():
    form = SampleForm(data={"name": "", "kind": "a"})
    html = str(form["name"].as_field_group())
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert (
        html.index("</label>")
        < html.index('class="errorlist" id="id_name_error"')
        < html.index("<input")
    )
