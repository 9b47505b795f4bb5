"""Make docs/digest.svg: a "terminal screenshot" of the digest `monitor demo` writes.

    python scripts/digest_screenshot.py [--out docs/digest.svg] [--width 100]

It runs the real demo (`monitor demo --dir TMP`, the sample news site on loopback) in a temporary
directory, takes the Markdown digest the file channel wrote there, and renders it as a terminal would show
it, with rich (Console(record=True) … export_svg). Needs the `docs` extra: pip install -e ".[docs]".

The SVG names no font it ships: Hangul is drawn with whatever CJK font the viewer has, which is fine.
"""

from __future__ import annotations

import argparse
import html
import io
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "docs" / "digest.svg"
TITLE = "monitor demo — 한미일 경제안보 브리핑"

# rich sizes each <text> run's textLength by its number of characters, not by its terminal cells, so a
# run of Hangul (two cells a syllable) is squeezed into half its width (Textualize/rich#2742, open).
# Its x positions are right (cells); only textLength needs the cell count.
_TEXT_RUN = re.compile(r'textLength="([0-9.]+)"([^>]*)>([^<]*)</text>')


def _widen_wide_runs(svg: str) -> str:
    from rich.cells import cell_len

    def fix(m: re.Match[str]) -> str:
        length, attrs, body = float(m.group(1)), m.group(2), m.group(3)
        text = html.unescape(body)
        if not text or cell_len(text) == len(text):
            return m.group(0)
        cell = length / len(text)
        return f'textLength="{cell * cell_len(text):g}"{attrs}>{body}</text>'

    return _TEXT_RUN.sub(fix, svg)


def render_svg(digest_markdown: str, *, width: int = 100, title: str = TITLE) -> str:
    """The digest (Markdown, as the file channel writes it) as an SVG terminal screenshot."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(
        record=True, width=width, file=io.StringIO(), force_terminal=True, color_system="truecolor"
    )
    # hyperlinks=False prints each link's URL after its text, as a terminal without link support would.
    console.print(Markdown(digest_markdown, hyperlinks=False))
    return _widen_wide_runs(console.export_svg(title=title))


def demo_digest(workdir: Path) -> str:
    """Run `monitor demo` in ``workdir`` and return the Markdown digest it wrote."""
    demo_dir = workdir / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "monitor", "demo", "--dir", str(demo_dir)],
        capture_output=True,
        text=True,
        cwd=workdir,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"monitor demo failed (exit {done.returncode}):\n{done.stderr or done.stdout}")
    digests = sorted((demo_dir / "digests").glob("digest-*.md"))
    if not digests:
        raise SystemExit(f"monitor demo wrote no digest in {demo_dir / 'digests'}:\n{done.stdout}")
    return digests[-1].read_text(encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"default: {DEFAULT_OUT}")
    parser.add_argument("--width", type=int, default=100, help="terminal columns (default 100)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="monitor-screenshot-") as tmp:
        text = demo_digest(Path(tmp))
    # The demo site listens on a random loopback port; a fixed one keeps the committed file stable.
    text = re.sub(r"http://127\.0\.0\.1:\d+/", "http://127.0.0.1:8000/", text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_svg(text, width=args.width), encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
