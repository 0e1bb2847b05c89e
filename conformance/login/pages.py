"""Login and consent pages as a browser reads them: forms, fields, buttons, and what submitting sends.

HTML 5 §4.10.21 (form submission): which controls are submitted, with what values, for which button.
Pure: no request is sent here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

#: A submit button whose name, value or text matches this looks like "approve" on a consent page ...
APPROVE = re.compile(
    r"approve|allow|accept|authori[sz]e|consent|continue|(?<![a-z])yes(?![a-z])|grant|confirm", re.I
)
#: ... unless it also matches this, which looks like "deny" (and is never clicked to approve).
DENY = re.compile(r"deny|cancel|reject|decline|(?<![a-z])no(?![a-z])", re.I)
#: An unchecked checkbox that looks like this is ticked when approving ("I agree", name="consent").
AGREE = re.compile(rf"{APPROVE.pattern}|agree", re.I)

_NOT_SUBMITTED = {"submit", "image", "reset", "button", "file"}


@dataclass
class Field:
    """One successful-control candidate of a form: an input, a select or a textarea."""

    tag: str
    type: str
    name: str
    value: str
    checked: bool = False
    disabled: bool = False
    multiple: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # select: (value, selected)


@dataclass
class Button:
    """A submit button: `<button>` (type submit by default), `<input type=submit|image>`."""

    name: str
    value: str
    text: str = ""
    image: bool = False
    formaction: str | None = None
    formmethod: str | None = None

    @property
    def label(self) -> str:
        return " ".join(part for part in (self.name, self.value, self.text.strip()) if part)

    @property
    def looks_deny(self) -> bool:
        return bool(DENY.search(self.label))

    @property
    def looks_approve(self) -> bool:
        return bool(APPROVE.search(self.label)) and not self.looks_deny

    def pairs(self) -> list[tuple[str, str]]:
        """What the browser adds for the clicked button (an image button sends its click point)."""
        if self.image:
            prefix = f"{self.name}." if self.name else ""
            return [(f"{prefix}x", "0"), (f"{prefix}y", "0")]
        return [(self.name, self.value)] if self.name else []


@dataclass
class Form:
    """A form as the browser sees it: where it submits, how, and its controls in document order."""

    action: str  # absolute, resolved against the page (or its <base href>)
    method: str  # "GET" or "POST"
    fields: list[Field] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    @property
    def has_password_input(self) -> bool:
        return any(f.type == "password" for f in self.fields)

    def field_names(self) -> list[str]:
        return [f.name for f in self.fields if f.name and f.type != "hidden"]


class _FormParser(HTMLParser):
    """Collects the forms of a page with their controls (stdlib parser, no scripts run)."""

    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = page_url
        self.forms: list[Form] = []
        self.title = ""
        self.text: list[str] = []  # the visible text, for error messages
        self._form: Form | None = None
        self._text_of: Field | Button | None = None  # the textarea or button whose text is being read
        self._select: Field | None = None
        self._option: _Option | None = None
        self._hidden_text = ""  # "title", "script" or "style" while inside one

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "base" and "href" in a and not self.forms:
            self.base = urljoin(self.base, a["href"])
        elif tag in {"title", "script", "style"}:
            self._hidden_text = tag
        elif tag == "form":
            if self._form is None:  # a nested <form> is ignored, as browsers do
                method = "POST" if a.get("method", "").strip().lower() == "post" else "GET"
                self._form = Form(urljoin(self.base, a.get("action", "").strip()), method)
                self.forms.append(self._form)
        elif self._form is not None:
            self._control(self._form, tag, a)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in {"button", "textarea", "select", "option"}:
            self.handle_endtag(tag)

    def _control(self, form: Form, tag: str, a: dict[str, str]) -> None:
        name, disabled = a.get("name", ""), "disabled" in a
        if tag == "input":
            kind = a.get("type", "text").strip().lower() or "text"
            if kind in {"submit", "image"}:
                if not disabled:
                    value = a.get("value", "Submit" if kind == "submit" else "")
                    form.buttons.append(self._button(a, value, image=kind == "image"))
                return
            default = "on" if kind in {"checkbox", "radio"} else ""
            form.fields.append(Field("input", kind, name, a.get("value", default), "checked" in a, disabled))
        elif tag == "button":
            button = self._button(a, a.get("value", ""))
            if (a.get("type", "").strip().lower() or "submit") == "submit" and not disabled:
                form.buttons.append(button)
            self._text_of = button
        elif tag == "textarea":
            self._text_of = Field("textarea", "textarea", name, "", disabled=disabled)
            form.fields.append(self._text_of)
        elif tag == "select":
            self._select = Field("select", "select", name, "", disabled=disabled, multiple="multiple" in a)
            form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._close_option()
            self._option = _Option(a.get("value"), "selected" in a)

    def _button(self, a: dict[str, str], value: str, *, image: bool = False) -> Button:
        """A submit button, with its own formaction/formmethod (they win over the form's when clicked)."""
        action = a.get("formaction")
        formaction = urljoin(self.base, action.strip()) if action is not None else None
        return Button(
            a.get("name", ""), value, image=image, formaction=formaction, formmethod=a.get("formmethod")
        )

    def handle_data(self, data: str) -> None:
        if self._hidden_text == "title":
            self.title += data
        elif not self._hidden_text:
            self.text.append(data)
        if self._option is not None:
            self._option.text += data
        elif isinstance(self._text_of, Field):
            self._text_of.value += data
        elif isinstance(self._text_of, Button):
            self._text_of.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == self._hidden_text:
            self._hidden_text = ""
        elif tag == "form":
            self._form = None
        elif tag in {"button", "textarea"}:
            if isinstance(self._text_of, Field) and self._text_of.value.startswith("\n"):
                self._text_of.value = self._text_of.value[1:]  # the newline right after <textarea> is dropped
            self._text_of = None
        elif tag == "option":
            self._close_option()
        elif tag == "select":
            self._close_option()
            self._select = None

    def _close_option(self) -> None:
        if self._option is not None and self._select is not None:
            option = self._option
            value = option.value if option.value is not None else " ".join(option.text.split())
            self._select.options.append((value, option.selected))
        self._option = None


@dataclass
class _Option:
    value: str | None  # None: the option's text is its value
    selected: bool
    text: str = ""


@dataclass(frozen=True)
class Page:
    """What a browser shows: the forms, the title and the visible text."""

    forms: list[Form]
    title: str
    text: str

    def describe(self) -> str:
        """The title and the start of the text, for an error message ("" when the page is blank)."""
        parts = [f"title {self.title[:100]!r}"] if self.title else []
        parts += [f"text {self.text[:160]!r}"] if self.text else []
        return "; " + ", ".join(parts) if parts else ""


def parse_page(html: str, page_url: str) -> Page:
    """Read a page as a browser would: its forms (actions resolved against the page), title and text."""
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    return Page(parser.forms, " ".join(parser.title.split()), " ".join(" ".join(parser.text).split()))


def form_data(
    form: Form, *, fill: dict[str, str], drop_hidden: bool, tick_agree: bool
) -> list[tuple[str, str]]:
    """The name/value pairs a browser submits: the form's controls in order, with `fill` typed in.

    Disabled controls and unnamed ones are left out, so are unchecked checkboxes and radios
    (except consent checkboxes when `tick_agree`: the user ticks "I agree"), a select sends its
    selected options (the first one when none is selected), a textarea its text.
    """
    pairs: list[tuple[str, str]] = []
    for f in form.fields:
        if not f.name or f.disabled or f.type in _NOT_SUBMITTED:
            continue
        if drop_hidden and f.type == "hidden":
            continue
        if f.name in fill:
            pairs.append((f.name, fill[f.name]))
        elif f.type in {"checkbox", "radio"}:
            ticked = tick_agree and f.type == "checkbox" and bool(AGREE.search(f"{f.name} {f.value}"))
            if f.checked or ticked:
                pairs.append((f.name, f.value))
        elif f.tag == "select":
            pairs += [(f.name, value) for value in _selected(f)]
        else:
            pairs.append((f.name, f.value))
    return pairs


def _selected(select: Field) -> list[str]:
    chosen = [value for value, selected in select.options if selected]
    if not chosen and select.options and not select.multiple:
        chosen = [select.options[0][0]]
    return chosen if select.multiple else chosen[-1:]
