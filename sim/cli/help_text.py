"""Help texts as a person reads them: docstrings without reST markup, whole first sentences.

Command docstrings are written for the API docs too (````slotgrab compare````,
``:func:`name```), and Click cuts a command's summary in ``--help`` listings at 45 characters
("Compare policy stacks (× sweeps × seeds): ranked table with..."). :func:`tidy_help` gives
every registered command (sub-apps included) a help text with the markup removed and a short
help that is its whole first sentence, and strips the markup from option help texts.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import typer
from typer.models import OptionInfo, ParameterInfo

__all__ = ["first_sentence", "plain", "tidy_help"]

_ROLE = re.compile(r":(?:[a-z]+:)?[a-z]+:`~?([^`<]+?)(?:\s*<[^>]+>)?`")  # :func:`x`, :py:meth:`~a.b`
_LITERAL = re.compile(r"``([^`]+)``")
_LINK = re.compile(r"`([^`<]+?)\s*<[^>]+>`_")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(`'\"])")


def plain(text: str) -> str:
    """``text`` with reST literals, roles and links reduced to their words."""
    text = _LINK.sub(r"\1", text)
    text = _ROLE.sub(lambda m: m.group(1).split(".")[-1] if m.group(0).count("~") else m.group(1), text)
    text = _LITERAL.sub(r"\1", text)
    return text.replace("::\n", ":\n")


def first_sentence(text: str) -> str:
    """The first sentence of ``text``'s first paragraph (all of it if it has no full stop)."""
    para = " ".join(text.strip().split("\n\n")[0].split())
    return _SENTENCE_END.split(para, maxsplit=1)[0]


def _tidy_params(callback: Any) -> None:
    for param in inspect.signature(callback).parameters.values():
        info = param.default
        if isinstance(info, OptionInfo | ParameterInfo) and isinstance(info.help, str):
            info.help = plain(info.help)


def _tidy_command(info: Any) -> None:
    callback = info.callback
    text = info.help if isinstance(info.help, str) else inspect.getdoc(callback) or ""
    if text:
        info.help = plain(text)
        if not isinstance(info.short_help, str):
            info.short_help = first_sentence(info.help)
    if callback is not None:
        _tidy_params(callback)


def tidy_help(app: typer.Typer) -> None:
    """Tidy the help of every command of ``app`` and of its sub-apps, in place."""
    for command in app.registered_commands:
        _tidy_command(command)
    for group in app.registered_groups:
        sub = group.typer_instance
        if sub is None:
            continue
        info = sub.info
        if isinstance(info.help, str):
            info.help = plain(info.help)
            group.short_help = group.short_help or first_sentence(info.help)
        tidy_help(sub)
