"""`make audit`: look up the project's own dependencies (what `pip install .` brings, at
the versions installed here; not the test tools) in pip-audit's vulnerability service.

- A known vulnerability fails (exit 1), unless .ci/audit-ignore.toml lists its id with a
  reason it cannot reach us.
- A dependency the service could not look up is not "clean": it is named in a loud
  warning. That fails too (exit 2) when AUDIT_STRICT=1; otherwise the run goes on, so a
  machine that cannot reach the service can still test. It never passes in silence.

    python .ci/audit.py                  # audit the installed project
    python .ci/audit.py --report F.json  # judge a saved `pip-audit -f json` report
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

IGNORE_FILE = Path(__file__).with_name("audit-ignore.toml")
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def declared(pyproject: Path = PYPROJECT) -> list[Requirement]:
    """The project's own dependencies as pyproject.toml declares them (not its extras):
    read from the file, since an editable install's metadata may be older."""
    project = tomllib.loads(pyproject.read_text())["project"]
    return [Requirement(line) for line in project["dependencies"]]


def runtime_closure(roots: list[Requirement]) -> dict[str, str]:
    """{name: installed version} for these requirements and theirs, with the extras each
    asks for (psycopg[binary], flask-limiter[redis])."""
    found: dict[str, str] = {}
    todo = [(r.name, frozenset(r.extras)) for r in roots if _applies(r, frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise SystemExit(f"{name} is declared but not installed: run `make install` "
                             "first, so the audit sees the versions that would run") from None
        found[canonicalize_name(name)] = dist.version
        for line in dist.requires or []:
            requirement = Requirement(line)
            if _applies(requirement, extras):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return dict(sorted(found.items()))


def _applies(requirement: Requirement, extras: frozenset[str]) -> bool:
    """Whether this Python, with these extras asked for, needs `requirement`."""
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({**default_environment(), "extra": extra})
               for extra in {"", *extras})


def load_ignores(path: Path = IGNORE_FILE) -> dict[str, str]:
    """{vulnerability id: why it cannot reach us}; an entry without a reason is an error."""
    if not path.exists():
        return {}
    entries = tomllib.loads(path.read_text()).get("ignore", [])
    ignores = {}
    for entry in entries:
        reason = str(entry.get("reason", "")).strip()
        if not entry.get("id") or len(reason) < 20:
            raise SystemExit(f"{path}: every ignored vulnerability needs an id and a reason "
                             f"it cannot reach us (got {entry!r})")
        ignores[entry["id"]] = reason
    return ignores


def run_pip_audit(pins: dict[str, str], ignores: dict[str, str]) -> tuple[dict | None, str]:
    """pip-audit's JSON report for exactly these pins (None if it could not run), and its
    error output."""
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder, "requirements.txt")
        requirements.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()))
        report = Path(folder, "report.json")
        command = [sys.executable, "-m", "pip_audit", "--requirement", str(requirements),
                   "--no-deps", "--disable-pip", "--progress-spinner", "off",
                   "--format", "json", "--output", str(report)]
        for vulnerability in ignores:
            command += ["--ignore-vuln", vulnerability]
        # Our own interpreter and fixed arguments; the ids come from our own ignore file.
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if not report.exists() or not report.read_text().strip():
            return None, done.stderr
        return json.loads(report.read_text()), done.stderr


def judge(report: dict | None, pins: dict[str, str], errors: str, ignores: dict[str, str],
          strict: bool) -> int:
    """Print what the audit found; return the exit status."""
    if report is None:
        last = [line for line in errors.strip().splitlines() if line.strip()][-1:] or ["?"]
        _banner(f"THE DEPENDENCY AUDIT DID NOT RUN: pip-audit could not reach its "
                f"vulnerability service ({_short(last[0])}). {len(pins)} packages unchecked.")
        return 2 if strict else 0
    vulnerable, skipped = [], []
    for dependency in report.get("dependencies", []):
        if "skip_reason" in dependency:
            skipped.append(dependency)
        for vulnerability in dependency.get("vulns", []):
            if vulnerability["id"] not in ignores and not set(
                    vulnerability.get("aliases", [])) & set(ignores):
                vulnerable.append((dependency, vulnerability))
    for dependency, vulnerability in vulnerable:
        fixed = ", ".join(vulnerability.get("fix_versions", [])) or "no fixed version yet"
        print(f"VULNERABLE {dependency['name']} {dependency['version']}: "
              f"{vulnerability['id']} (fixed in {fixed})")
    for vulnerability, reason in ignores.items():
        print(f"ignored {vulnerability}: {reason}")
    audited = len(report.get("dependencies", [])) - len(skipped)
    print(f"dependency audit: {audited} of {len(pins)} packages checked, "
          f"{len(vulnerable)} known vulnerabilities")
    if skipped:
        names = ", ".join(f"{d['name']}" for d in skipped[:8])
        more = f" and {len(skipped) - 8} more" if len(skipped) > 8 else ""
        what = ("DID NOT RUN: no look-up was answered, so the service is out of reach here"
                if len(skipped) == len(pins) else "IS INCOMPLETE")
        _banner(f"THE DEPENDENCY AUDIT {what}. {len(skipped)} of {len(pins)} packages "
                f"could not be looked up ({names}{more}): "
                f"{_short(skipped[0]['skip_reason'])}")
    if vulnerable:
        return 1
    return 2 if strict and skipped else 0


def _short(text: str) -> str:
    return re.sub(r"\s+", " ", text)[:240]


def _banner(message: str) -> None:
    line = "!" * 78
    print(f"\n{line}\n!! WARNING  {message}\n!! Nothing is known about these packages' "
          f"vulnerabilities; this is not a pass.\n{line}\n", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--report", type=Path, help="judge this saved pip-audit JSON report")
    args = parser.parse_args()
    strict = os.environ.get("AUDIT_STRICT") == "1"
    ignores = load_ignores()
    pins = runtime_closure(declared())
    if args.report:
        return judge(json.loads(args.report.read_text()), pins, "", ignores, strict)
    report, errors = run_pip_audit(pins, ignores)
    return judge(report, pins, errors, ignores, strict)


if __name__ == "__main__":
    sys.exit(main())
