"""The README stays true: every setting feedback/config.py reads is documented there."""

import re

from feedback import ROOT


def test_every_environment_variable_is_documented():
    config = (ROOT / "feedback" / "config.py").read_text()
    names = set(re.findall(r'(?:_int|_bool|_list|environ\.get)\(\s*"([A-Z_]+)"', config))
    names |= set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', config))
    assert {"SECRET_KEY", "DATABASE_URL", "BASE_URL"} <= names
    readme = (ROOT / "README.md").read_text()
    undocumented = sorted(n for n in names if f"`{n}`" not in readme)
    assert not undocumented, f"add these to the README's configuration table: {undocumented}"


def test_readme_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
