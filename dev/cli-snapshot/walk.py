"""Print the shape of a click command tree as JSON: command paths, aliases, arguments, options.

Only names and shapes are kept (no help text). Run with the CLI's package installed:
    python walk.py cloudtik.scripts.scripts:cli
"""
import importlib
import json
import sys

import click

# Groups whose commands run inside cluster nodes, not on the user's machine.
INTERNAL_GROUPS = {"head", "node"}


def option_shape(param):
    return {
        "names": sorted(param.opts + param.secondary_opts),
        "takesValue": not param.is_flag and not param.count,
        "isFlag": bool(param.is_flag),
        "multiple": bool(param.multiple),
        "hidden": bool(getattr(param, "hidden", False)),
    }


def argument_shape(param):
    return {"name": param.name, "required": bool(param.required), "variadic": param.nargs == -1}


def canonical_name(group, name, command):
    """CloudTik registers aliases as hidden copies named e.g. `head_ip` whose own name is `head-ip`."""
    own = command.name
    if own != name and own in group.commands:
        return own
    return name


def walk(group, path, internal, out):
    aliases = {}
    for name, command in group.commands.items():
        canonical = canonical_name(group, name, command)
        if canonical != name:
            aliases.setdefault(canonical, []).append(name)
    for name, command in sorted(group.commands.items()):
        if canonical_name(group, name, command) != name:
            continue
        full = path + [name]
        is_internal = internal or (len(path) == 0 and name in INTERNAL_GROUPS)
        entry = {
            "path": " ".join(full),
            "group": isinstance(command, click.Group),
            "internal": is_internal,
            "hidden": bool(getattr(command, "hidden", False)),
            "aliases": sorted(aliases.get(name, [])),
            "arguments": [argument_shape(p) for p in command.params if isinstance(p, click.Argument)],
            "options": [option_shape(p) for p in command.params if isinstance(p, click.Option)],
        }
        out.append(entry)
        if isinstance(command, click.Group):
            walk(command, full, is_internal, out)


def main():
    module_name, attr = sys.argv[1].split(":")
    root = getattr(importlib.import_module(module_name), attr)
    out = []
    walk(root, [], False, out)
    version = sys.argv[2] if len(sys.argv) > 2 else None
    json.dump({"cli": "cloudtik", "version": version, "commands": out}, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
