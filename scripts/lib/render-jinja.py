#!/usr/bin/env python3
"""Renders a dbt macro file with jinja2, as dbt's Jinja would, without running anything.

Usage: render-jinja.py MACRO_FILE NAME

Defines what the macro calls (`statement` as a call block that records its SQL, `log`,
`run_query`, `load_result` with a passing verdict row, `exceptions`), calls macro NAME, and
prints {"statements": [...], "logs": [...], "run_query": [...]} as JSON: a test reads which
SQL the macro would send and whether anything else (a `run_query` smuggled in through a
name) would run. Exit 0 when it renders; 1 with jinja2's error on stderr when it does not.
"""
import json
import sys

import jinja2


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, name = sys.argv[1:]
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    recorded = {"statements": [], "logs": [], "run_query": []}

    class Exceptions:
        @staticmethod
        def raise_compiler_error(message):
            raise RuntimeError(message)

    environment = jinja2.Environment(extensions=["jinja2.ext.do"], undefined=jinja2.StrictUndefined)
    prelude = "{% macro statement(name, fetch_result=False, auto_begin=True) %}{% do record(caller()) %}{% endmacro %}"
    try:
        template = environment.from_string(prelude + source)
        module = template.make_module({
            "record": lambda sql: recorded["statements"].append(sql.strip()),
            "log": lambda message, info=False: recorded["logs"].append(message) or "",
            "run_query": lambda sql: recorded["run_query"].append(sql),
            "load_result": lambda label: {"table": {"rows": [["check", 0, "pass"]]}},
            "exceptions": Exceptions,
        })
        getattr(module, name)()
    except Exception as error:  # jinja2's TemplateSyntaxError and friends
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return 1
    json.dump(recorded, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
