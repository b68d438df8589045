"""Compile every catalogue under locale/ (.po -> .mo), like `manage.py compilemessages`
but in pure Python (polib), so a machine without GNU gettext installs too. Run by
`make install`. Fails when a catalogue cannot be read."""

import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    count = 0
    for po_path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        catalogue = polib.pofile(str(po_path))
        catalogue.save_as_mofile(str(mo_path))
        count += 1
    if count:
        print(f"Compiled {count} translation catalogue(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
