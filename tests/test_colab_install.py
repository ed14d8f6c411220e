"""Every chapter's Colab install cell installs the released helper package matching this checkout."""
import re
from pathlib import Path

import nbformat
import pytest

import mio_utils
from mio_utils.exercises import GITHUB_REPO

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_install_cell_pins_the_release_tag(path):
    first = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert 'if "google.colab" in sys.modules' in first.source, f"{path.name}: first code cell is not the Colab install"
    wanted = f'"mio-utils @ git+https://github.com/{GITHUB_REPO}@v{mio_utils.__version__}"'
    found = re.findall(r'"mio-utils @ [^"]*"', first.source)
    assert found == [wanted], f"{path.name}: the install cell installs {found}; expected {wanted} (README: Releases)"
