#!/usr/bin/env python3
"""Runs the dbt macro `idhealth compile --dbt-macro NAME` writes, with dbt itself, for the tests.

Usage: run-dbt-macro.py MACRO_FILE NAME POSTGRES_URL [--report]

Makes a dbt project of its own in a temporary folder (dbt_project.yml, profiles.yml with a
postgres output for POSTGRES_URL, the macro in macros/) and runs `dbt run-operation NAME`
there through dbt's Python entry point (dbt-core with dbt-postgres, from the test command's
virtual environment). Exit 0 when dbt succeeds; else 1 with dbt's output on stderr. With
--report, exit 0 either way and print {"success": …, "output": …} as JSON: for a macro that
is meant to fail a build (the checks' macro, when a check fails).
"""
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import urllib.parse


def main():
    report = sys.argv[4:] == ["--report"]
    if len(sys.argv) != 4 and not report:
        print(__doc__, file=sys.stderr)
        return 2
    macro_file, name, url = sys.argv[1:4]
    from dbt.cli.main import dbtRunner
    parts = urllib.parse.urlparse(url)
    project = tempfile.mkdtemp(prefix="idhealth-dbt-")
    try:
        os.makedirs(os.path.join(project, "macros"))
        shutil.copy(macro_file, os.path.join(project, "macros", os.path.basename(macro_file)))
        with open(os.path.join(project, "dbt_project.yml"), "w") as file:
            file.write("name: idhealth_compiled\nversion: '1.0'\nconfig-version: 2\nprofile: idhealth_test\nmacro-paths: [macros]\n")
        with open(os.path.join(project, "profiles.yml"), "w") as file:
            file.write("idhealth_test:\n  target: test\n  outputs:\n    test:\n      type: postgres\n"
                       f"      host: {parts.hostname}\n      port: {parts.port or 5432}\n"
                       f"      user: {urllib.parse.unquote(parts.username or '')}\n"
                       f"      password: \"{urllib.parse.unquote(parts.password or '')}\"\n"
                       f"      dbname: {parts.path.lstrip('/') or 'postgres'}\n      schema: public\n      threads: 1\n")
        output = io.StringIO()
        with contextlib.redirect_stdout(output):
            result = dbtRunner().invoke(["run-operation", name, "--project-dir", project, "--profiles-dir", project,
                                         "--no-send-anonymous-usage-stats", "--log-path", os.path.join(project, "logs")])
        if report:
            print(json.dumps({"success": bool(result.success), "output": output.getvalue() + ("" if result.exception is None else str(result.exception))}))
            return 0
        if not result.success:
            print(f"dbt run-operation {name} failed: {result.exception}\n{output.getvalue()}", file=sys.stderr)
            return 1
        return 0
    finally:
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
