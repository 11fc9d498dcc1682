"""`flowrt completion SHELL`: a shell completion script for bash, zsh or fish.

The scripts are generated from the command line's own argparse parser, so every subcommand,
option and choice the parser knows is completed and nothing else; adding an option needs no
change here.  A value whose metavar names a path (FILE, DIR, PATH, FLOW) completes file names;
a value with choices completes the choices; any other value completes nothing.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SHELLS = ("bash", "zsh", "fish")
#: Metavars whose values are paths (file names are completed for them).
_PATH_METAVARS = {"FILE", "DIR", "PATH", "FLOW", "FLOW|DIR"}


def add_completion(sub: Any, build: Callable[[], argparse.ArgumentParser]) -> None:
    """Register `flowrt completion`; `build` makes the parser whose script it prints."""
    p = sub.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh, fish)",
        description="Print the completion script of SHELL on standard output.  bash: `source "
        "<(flowrt completion bash)` in ~/.bashrc; zsh: `flowrt completion zsh > "
        '"${fpath[1]}/_flowrt"` (or `source <(flowrt completion zsh)` after compinit); fish: '
        "`flowrt completion fish > ~/.config/fish/completions/flowrt.fish`.",
    )
    p.add_argument("shell", choices=SHELLS, metavar="SHELL", help="bash, zsh or fish")
    p.set_defaults(func=functools.partial(cmd_completion, build=build))


def cmd_completion(args: argparse.Namespace, build: Callable[[], argparse.ArgumentParser]) -> int:
    sys.stdout.write(script(args.shell, build()))
    return 0


# ---------------------------------------------------------------------------------------------
# what the parser offers


@dataclass
class Option:
    flags: list[str]
    help: str
    takes_value: bool
    choices: list[str] = field(default_factory=list)
    path: bool = False


@dataclass
class Command:
    name: str
    help: str
    options: list[Option]
    #: Positional arguments: (metavar, choices, path, many).
    positionals: list[tuple[str, list[str], bool, bool]]


def _options(parser: argparse.ArgumentParser) -> tuple[list[Option], list[Any]]:
    options: list[Option] = []
    positionals: list[Any] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            continue
        if not action.option_strings:
            positionals.append(action)
            continue
        if action.help == argparse.SUPPRESS:
            continue
        choices = [str(c) for c in action.choices] if action.choices else []
        metavar = action.metavar if isinstance(action.metavar, str) else ""
        options.append(
            Option(
                list(action.option_strings),
                _plain(action.help or ""),
                action.nargs != 0,
                choices,
                metavar in _PATH_METAVARS,
            )
        )
    return options, positionals


def describe(parser: argparse.ArgumentParser) -> tuple[list[Option], list[Command]]:
    """The main parser's own options and every subcommand with its options and arguments."""
    main_options, _ = _options(parser)
    commands: list[Command] = []
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        helps = {a.dest: _plain(a.help or "") for a in action._choices_actions}
        for name, sub in action.choices.items():
            options, positionals = _options(sub)
            pos = []
            for p in positionals:
                metavar = p.metavar if isinstance(p.metavar, str) else p.dest.upper()
                choices = [str(c) for c in p.choices] if p.choices else []
                many = p.nargs in ("*", "+")
                pos.append((metavar, choices, metavar in _PATH_METAVARS, many))
            commands.append(Command(name, helps.get(name, ""), options, pos))
    return main_options, commands


def _plain(text: str) -> str:
    """A help text as one short plain line (its first clause, no markup)."""
    text = " ".join(text.replace("`", "").split())
    for stop in ("; ", ": ", " (", ". "):
        head, sep, _ = text.partition(stop)
        if sep and len(head) >= 12:
            text = head
    return text[:80]


def script(shell: str, parser: argparse.ArgumentParser) -> str:
    """The completion script of `shell` for `parser`."""
    main_options, commands = describe(parser)
    if shell == "bash":
        return _bash(main_options, commands)
    if shell == "zsh":
        return _zsh(main_options, commands)
    return _fish(main_options, commands)


# ---------------------------------------------------------------------------------------------
# bash


def _words(items: list[str]) -> str:
    return " ".join(items)


def _bash_values(options: list[Option]) -> list[str]:
    """`case "$prev"` arms: what follows an option that takes a value."""
    arms = []
    for o in options:
        if not o.takes_value:
            continue
        pattern = "|".join(o.flags)
        if o.choices:
            arms.append(
                f'        {pattern}) COMPREPLY=($(compgen -W "{_words(o.choices)}" -- "$cur")); '
                "return ;;"
            )
        elif o.path:
            arms.append(f'        {pattern}) COMPREPLY=($(compgen -f -- "$cur")); return ;;')
        else:
            arms.append(f"        {pattern}) COMPREPLY=(); return ;;")
    return arms


def _bash(main_options: list[Option], commands: list[Command]) -> str:
    valued = [f for o in main_options if o.takes_value for f in o.flags]
    lines = [
        "# bash completion for flowrt (generated by `flowrt completion bash`)",
        "_flowrt() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        '    local cmd="" i',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        case "${COMP_WORDS[i]}" in',
    ]
    if valued:
        lines.append(f"            {'|'.join(valued)}) ((i++)) ;;")
    lines += [
        "            -*) ;;",
        '            *) cmd="${COMP_WORDS[i]}"; break ;;',
        "        esac",
        "    done",
        '    case "$cmd" in',
        '    "")',
        '        case "$prev" in',
        *_bash_values(main_options),
        "        esac",
        '        if [[ "$cur" == -* ]]; then',
        f'            COMPREPLY=($(compgen -W "{_words([f for o in main_options for f in o.flags])}"'
        ' -- "$cur"))',
        "        else",
        f'            COMPREPLY=($(compgen -W "{_words([c.name for c in commands])}" -- "$cur"))',
        "        fi",
        "        ;;",
    ]
    for c in commands:
        flags = [f for o in c.options for f in o.flags]
        lines += [
            f"    {c.name})",
            '        case "$prev" in',
            *_bash_values(c.options),
            "        esac",
            '        if [[ "$cur" == -* ]]; then',
            f'            COMPREPLY=($(compgen -W "{_words(flags)}" -- "$cur"))',
        ]
        choices = [ch for _, chs, _, _ in c.positionals for ch in chs]
        if choices:
            lines += [
                "        else",
                f'            COMPREPLY=($(compgen -W "{_words(choices)}" -- "$cur"))',
            ]
        elif any(path for _, _, path, _ in c.positionals):
            lines += ["        else", '            COMPREPLY=($(compgen -f -- "$cur"))']
        lines += ["        fi", "        ;;"]
    lines += ["    esac", "}", "complete -o filenames -o bashdefault -F _flowrt flowrt", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# zsh


def _zsh_quote(text: str) -> str:
    """Text inside a single-quoted `_arguments` spec: no brackets or colons, quotes escaped."""
    text = text.replace("[", "(").replace("]", ")").replace(":", " -").replace("\\", "/")
    return text.replace("'", "'\\''")


def _zsh_option(o: Option) -> list[str]:
    out = []
    for flag in o.flags:
        spec = f"{flag}=" if o.takes_value and flag.startswith("--") else flag
        value = ""
        if o.takes_value:
            if o.choices:
                value = f":value:({' '.join(o.choices)})"
            elif o.path:
                value = ":file:_files"
            else:
                value = ":value: "
        exclusive = f"({' '.join(o.flags)})" if len(o.flags) > 1 else ""
        out.append(f"'{exclusive}{spec}[{_zsh_quote(o.help)}]{value}'")
    return out


def _zsh(main_options: list[Option], commands: list[Command]) -> str:
    lines = [
        "#compdef flowrt",
        "# zsh completion for flowrt (generated by `flowrt completion zsh`)",
        "",
        "_flowrt() {",
        "    local curcontext=$curcontext state line",
        "    local -a commands",
        "    commands=(",
        *[f"        '{c.name}:{_zsh_quote(c.help)}'" for c in commands],
        "    )",
        "    _arguments -C \\",
        *[f"        {spec} \\" for o in main_options for spec in _zsh_option(o)],
        "        '1: :->command' \\",
        "        '*:: :->args'",
        "    case $state in",
        "    command) _describe -t commands 'flowrt command' commands ;;",
        "    args)",
        "        case $line[1] in",
    ]
    for c in commands:
        specs = [spec for o in c.options for spec in _zsh_option(o)]
        for metavar, choices, path, many in c.positionals:
            action = f"({' '.join(choices)})" if choices else ("_files" if path else " ")
            lead = "*" if many else ":"
            specs.append(f"'{lead}:{_zsh_quote(metavar.lower())}:{action}'")
        lines.append(f"        {c.name})")
        if specs:
            lines.append("            _arguments \\")
            lines += [f"                {s} \\" for s in specs[:-1]]
            lines.append(f"                {specs[-1]}")
        lines.append("            ;;")
    lines += [
        "        esac",
        "        ;;",
        "    esac",
        "}",
        "",
        'if [ "$funcstack[1]" = "_flowrt" ]; then',
        '    _flowrt "$@"',
        "else",
        "    compdef _flowrt flowrt",
        "fi",
        "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# fish


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_option(condition: str, o: Option) -> str:
    parts = ["complete -c flowrt", f"-n {_fish_quote(condition)}"]
    for flag in o.flags:
        if flag.startswith("--"):
            parts.append(f"-l {flag[2:]}")
        else:
            parts.append(f"-s {flag[1:]}")
    if o.takes_value:
        if o.choices:
            parts.append(f"-x -a {_fish_quote(' '.join(o.choices))}")
        elif o.path:
            parts.append("-r -F")
        else:
            parts.append("-x")
    parts.append(f"-d {_fish_quote(o.help)}")
    return " ".join(parts)


def _fish(main_options: list[Option], commands: list[Command]) -> str:
    lines = [
        "# fish completion for flowrt (generated by `flowrt completion fish`)",
        "complete -c flowrt -f",
    ]
    top = "__fish_use_subcommand"
    lines += [_fish_option(top, o) for o in main_options]
    for c in commands:
        lines.append(f"complete -c flowrt -n {top} -a {c.name} -d {_fish_quote(c.help)}")
    for c in commands:
        seen = f"__fish_seen_subcommand_from {c.name}"
        lines += [_fish_option(seen, o) for o in c.options]
        for _, choices, path, _ in c.positionals:
            if choices:
                lines.append(
                    f"complete -c flowrt -n {_fish_quote(seen)} -a {_fish_quote(' '.join(choices))}"
                )
            elif path:
                lines.append(f"complete -c flowrt -n {_fish_quote(seen)} -F")
    return "\n".join(lines) + "\n"
