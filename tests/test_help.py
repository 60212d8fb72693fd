"""Every command's ``--help`` runs and gives every option a text; the README's claims about options hold."""

import re
from pathlib import Path

import click
import pytest

from geo.cli import COMMANDS, cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def all_commands():
    ctx = click.Context(cli)
    out = []
    for name in COMMANDS:
        cmd = cli.get_command(ctx, name)
        out.append((name, cmd))
        if isinstance(cmd, click.Group):
            out += [(f"{name} {sub}", cmd.get_command(ctx, sub)) for sub in cmd.list_commands(ctx)]
    return out


COMMAND_LIST = all_commands()


@pytest.mark.parametrize("name,cmd", COMMAND_LIST, ids=[n for n, _ in COMMAND_LIST])
def test_help_runs_and_every_option_has_text(name, cmd, run_cli):
    r = run_cli(*name.split(), "--help")
    assert r.exit_code == 0, r.stderr
    assert r.output.startswith("Usage: frontline " + name)
    bare = [p.opts[0] for p in cmd.params if isinstance(p, click.Option) and not (p.help or "").strip()
            and "--help" not in p.opts]
    assert not bare, f"frontline {name}: options without help text: {bare}"
    for p in cmd.params:
        if isinstance(p, click.Option) and "--help" not in p.opts:
            assert p.opts[0] in r.output


DATED = ["area", "diff", "changes", "map", "embed", "timeline", "chart", "history"]


@pytest.mark.parametrize("name", DATED)
def test_every_command_that_takes_dates_takes_in_force(name):
    cmd = dict(COMMAND_LIST)[name]
    assert "--in-force" in [o for p in cmd.params for o in p.opts]


def test_the_readme_says_which_commands_read_as_of():
    """The README names the commands that take --as-of; each does, and each read command not named does not."""
    m = re.search(r"`--as-of` is taken by ([^.]+)\.", README)
    assert m, "the README lists the commands that take --as-of"
    named = set(re.findall(r"`(\w+)`", m.group(1)))
    takes = {n for n, c in COMMAND_LIST if "--as-of" in [o for p in c.params for o in p.opts]}
    assert named == takes


def test_as_of_help_says_it_is_not_a_front_line_date():
    helps = {n: p.help for n, c in COMMAND_LIST for p in c.params if "--as-of" in p.opts}
    assert len(helps) >= 10
    for name, text in helps.items():
        assert "time the store was written, not a front-line date" in text, name
