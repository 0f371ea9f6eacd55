#!/usr/bin/env python3
"""tests/docs/check_links.py [FILTER]: the `docs` part of `make test`.

README.md and docs/*.md name files, folders and functions of the tree; this
checks that each one exists, so the docs cannot silently fall behind the
code:
  - a backticked path with a directory (`services/fs/chunkstore.c`,
    `tests/sim/`) or a markdown link to a file in the repository must exist;
  - `FILE:function` (`loop.c:dispatch`, `services/fs/store/main.c:forward`)
    must name a file (by its path, or by its name alone if some file in the
    tree has it) that defines or declares that function.
A test per document: `PASS docs/fs.md (41 references)` or `FAIL ...` with
each reference that does not hold. And one the other way round,
`docs_readme_layout`: the README's layout names every source file of the
kernel, drivers, network stack and lib, and every folder of services/,
tests/ and tools/ and every top-level folder, so a new file cannot go
unmentioned there. Ends with `N passed, N failed`."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOP = ("kernel/", "lib/", "net/", "drivers/", "services/", "user/", "tests/", "tools/",
       "docs/", ".ci/", "boot/", "include/")
PATH = re.compile(r"^(?:\./)?([A-Za-z0-9_.+-]+/)+[A-Za-z0-9_.+-]*$")
FILE_FN = re.compile(r"^([A-Za-z0-9_./+-]+\.(?:c|h|py|S|sh))[:](\w+)(?:\(\))?$")
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
TICK = re.compile(r"`([^`\n]+)`")
SKIP_DIRS = {".git", "build", "node_modules"}


def tree_files():
    by_name = {}
    for d, dirs, files in os.walk(ROOT):
        dirs[:] = [x for x in dirs if x not in SKIP_DIRS]
        for f in files:
            rel = os.path.relpath(os.path.join(d, f), ROOT)
            by_name.setdefault(f, []).append(rel)
    return by_name


def defines(path, fn):
    try:
        with open(os.path.join(ROOT, path), errors="replace") as f:
            text = f.read()
    except OSError:
        return False
    return re.search(r"(^|[\s*(])" + re.escape(fn) + r"\s*\(", text, re.M) is not None or \
        re.search(r"def\s+" + re.escape(fn) + r"\b", text) is not None


def check_doc(doc, by_name):
    with open(os.path.join(ROOT, doc), errors="replace") as f:
        text = f.read()
    # fenced code blocks show commands and output, not references
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    bad, n = [], 0
    for m in TICK.finditer(text):
        tok = m.group(1).strip()
        fm = FILE_FN.match(tok)
        if fm and re.match(r"^[A-Z]+\.", os.path.basename(fm.group(1))):
            continue  # a placeholder (`FILE.c:name`)
        if fm:
            n += 1
            path, fn = fm.groups()
            cands = [path] if "/" in path else by_name.get(path, [])
            if "/" in path and not os.path.exists(os.path.join(ROOT, path)):
                bad.append(f"`{tok}`: no file {path}")
            elif not any(defines(p, fn) for p in cands):
                bad.append(f"`{tok}`: {fn} is not in {path}")
            continue
        if " " in tok or not PATH.match(tok) or not tok.startswith(TOP) or "*" in tok:
            continue
        if re.search(r"(^|/)[A-Z]+(\.\w+)?(/|$)", tok) and not os.path.exists(
                os.path.join(ROOT, tok)):
            continue  # a placeholder (`user/NAME.c`), not a reference
        n += 1
        if not os.path.exists(os.path.join(ROOT, tok)):
            bad.append(f"`{tok}`: no such file or folder")
    for m in LINK.finditer(text):
        target = m.group(1)
        if re.match(r"^[a-z]+:", target):
            bad.append(f"link to {target}: the docs point only inside the repository")
            continue
        n += 1
        if not os.path.exists(os.path.normpath(os.path.join(ROOT, os.path.dirname(doc), target))):
            bad.append(f"link {target}: no such file")
    return n, bad


LAYOUT_FILES = ("kernel", "drivers", "net", "lib")  # every .c and .S named
LAYOUT_DIRS = ("services", "tests", "tools")         # every entry named


def layout_missing():
    """What the README's layout section should name but does not."""
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    m = re.search(r"^## Layout.*?^```\n(.*?)^```", text, re.M | re.S)
    if not m:
        return ["README.md has no layout section (## Layout ... ```)"]
    layout = m.group(1)
    missing = []
    for d in LAYOUT_FILES:
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if f.endswith((".c", ".S")) and not re.search(rf"\b{re.escape(f)}", layout):
                missing.append(f"{d}/{f}")
    for d in LAYOUT_DIRS:
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if f.startswith((".", "__")) or f.endswith(".pyc"):
                continue
            if not re.search(rf"\b{re.escape(f.rsplit('.', 1)[0] if '.' in f else f)}", layout):
                missing.append(f"{d}/{f}")
    for f in sorted(os.listdir(ROOT)):
        if os.path.isdir(os.path.join(ROOT, f)) and f not in SKIP_DIRS and not f.startswith("."):
            if not re.search(rf"^{re.escape(f)}/", layout, re.M):
                missing.append(f + "/")
    return missing


def main():
    flt = sys.argv[1] if len(sys.argv) > 1 else ""
    by_name = tree_files()
    docs = ["README.md"] + sorted("docs/" + f for f in os.listdir(os.path.join(ROOT, "docs"))
                                  if f.endswith(".md"))
    passed = failed = 0
    for doc in docs:
        name = "docs_" + os.path.basename(doc)[:-3]
        if flt not in name:
            continue
        n, bad = check_doc(doc, by_name)
        if bad:
            failed += 1
            print(f"FAIL {name}: {len(bad)} of {n} references do not hold")
            for b in bad:
                print(f"    {doc}: {b}")
        else:
            passed += 1
            print(f"PASS {name} ({n} references)")
    if flt in "docs_readme_layout":
        missing = layout_missing()
        if missing:
            failed += 1
            print(f"FAIL docs_readme_layout: the README's layout does not name {len(missing)}:")
            for x in missing:
                print(f"    {x}")
        else:
            passed += 1
            print("PASS docs_readme_layout")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
