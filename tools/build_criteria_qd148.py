#!/usr/bin/env python3
"""Build the criteria sheets of Decision 148/QĐ-TTg (24/02/2023) as project data.

Reads the raw transcription in shared/reference/criteria/qd148-2023/ (01.csv ...
26.csv, columns title, description, level 0=part 1=criterion 2=sub-criterion
3=option, stars, score; a third-party transcription from the public repository
augustine-tran/ocop, db/ocop/) and writes, deterministically, in the format of
docs/criteria-format.md:

  data/criteria/qd148-2023/version.json
  data/criteria/qd148-2023/01.csv ... 26.csv
  data/criteria/qd148-2023/corrections.csv
  data/criteria/qd148-2023/FAULTS.md

Standard library only.  Usage (from the repository root):

    python3 tools/build_criteria_qd148.py [--src DIR] [--out DIR]

What it does to the source, and nothing more:
  * ids from the document's own numbering ("Phần A", "1.", "a)" / "a." / "đ)" ->
    dd, options 1.. in document order within their parent); broken numbering is
    made unique deterministically and reported;
  * titles: "□" and the star marks (***, ****, *****) removed, whitespace
    collapsed, NFC; guidance printed on the lines after the first line of a
    title goes to `note` together with the source's description column;
  * min_star from the stars column and the marks in the title (disagreements
    are reported);
  * set 26: the sub-criteria "Trường hợp 1/2" of the criteria that say "Lựa
    chọn một trong hai trường hợp sau:" and all their options get case 1 / 2;
  * knock-out rules ("bị loại ...") found in the text become rows K1, K2...;
  * a value is corrected only when provable (see corrections.csv); every other
    fault, in particular every sum mismatch, is kept and listed in FAULTS.md.

Exits non-zero when an internal invariant fails (duplicate ids, bad structure).
"""

import argparse
import collections
import csv
import json
import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SRC = os.path.join(os.path.dirname(ROOT), "shared", "reference", "criteria", "qd148-2023")
DEFAULT_OUT = os.path.join(ROOT, "data", "criteria", "qd148-2023")

SETS = ["%02d" % i for i in range(1, 27)]
PARTS = {"A": 40, "B": 25, "C": 35}
CASES = {"1": "Cộng đồng dịch vụ du lịch", "2": "Điểm dịch vụ du lịch"}

VERSION = {
    "id": "qd148-2023",
    "title": "Quyết định số 148/QĐ-TTg ngày 24/02/2023 của Thủ tướng Chính phủ",
    "signed_on": "2023-02-24",
    "effective_from": "2023-02-24",
    "effective_to": "2026-05-21",
    "parts": PARTS,
    "cases": CASES,
    "source": (
        "Phụ lục I of Decision 148/QĐ-TTg as transcribed by a third party in the public "
        "repository augustine-tran/ocop (db/ocop/), cleaned by tools/build_criteria_qd148.py "
        "(corrections in corrections.csv, faults in FAULTS.md); legal document, not protected "
        "by copyright."
    ),
}

HEADER = ["id", "kind", "title", "points", "min_star", "case", "note"]

# Vietnamese letters used for sub-criteria, in order.
LETTERS = ["a", "b", "c", "d", "đ", "e", "g", "h", "i", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "x", "y"]

RE_PART = re.compile(r"^Phần\s+([ABC])\b")
RE_CRIT = re.compile(r"^(\d+)\s*[.)]")
RE_SUB = re.compile(r"^([a-zđ])\s*[).]")
RE_DASH = re.compile(r"^[-–]\s*")
RE_MARK = re.compile(r"\*+")
RE_CASE_INTRO = re.compile(r"Lựa chọn một trong hai trường hợp", re.I)
RE_CASE = re.compile(r"Trường hợp\s*(\d+)\s*:\s*(.+)$")
RE_KNOCKOUT = re.compile(r"(?i)(?<![\w])(bị loại|hồ sơ bị loại khi)(?![\w])")


class Fault(Exception):
    pass


def nfc(s):
    return unicodedata.normalize("NFC", s or "")


def collapse(s):
    return re.sub(r"\s+", " ", s).strip()


def letter_id(ch):
    return "dd" if ch == "đ" else ch


def numeric(s):
    return s if re.fullmatch(r"\d+", s or "") else None


def strip_numbering(title):
    """Title without its leading numbering, for matching the same node across sets."""
    t = re.sub(r"^(\d+\s*[.)]|[a-zđ]\s*[).]|[-–])\s*", "", title)
    return collapse(t).lower()


class Node:
    def __init__(self, set_no, line, level, raw):
        self.set = set_no
        self.line = line  # line number of the record in the source CSV (header = 1)
        self.level = level
        self.raw = raw
        self.id = ""
        self.kind = ""
        self.title = ""
        self.points = ""  # final value (string)
        self.source_points = ""
        self.min_star = ""
        self.case = ""
        self.note = ""
        self.parent = None
        self.children = []
        self.marks = []


class Builder:
    def __init__(self):
        self.faults = []  # dicts: set, id, type, expected, found, detail
        self.corrections = []  # rows: set, id, field, source_value, value, reason
        self.normalizations = collections.Counter()

    def fault(self, set_no, node_id, ftype, expected="", found="", detail=""):
        self.faults.append(
            {"set": set_no, "id": node_id, "type": ftype, "expected": str(expected), "found": str(found), "detail": detail}
        )

    # ------------------------------------------------------------------ parsing

    def read_set(self, src, set_no):
        path = os.path.join(src, set_no + ".csv")
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            records = []
            for rec in reader:
                records.append((reader.line_num, rec))
        nodes = []
        for line, rec in records:
            level = (rec.get("level") or "").strip()
            if level not in ("0", "1", "2", "3"):
                raise Fault("%s.csv line %d: bad level %r" % (set_no, line, level))
            n = Node(set_no, line, int(level), rec)
            self.clean_text(n)
            nodes.append(n)
        return nodes

    def clean_text(self, n):
        raw_title = nfc(n.raw.get("title", "")).strip()
        n.marks = [len(m) for m in RE_MARK.findall(raw_title)]
        for m in n.marks:
            if m not in (3, 4, 5):
                self.fault(n.set, "line %d" % n.line, "star mark of unexpected length", "3-5 stars", "*" * m)
        text = RE_MARK.sub(" ", raw_title)
        extra = []
        if n.level > 0 and "\n" in text:
            first, rest = text.split("\n", 1)
            text = first
            if collapse(rest):
                extra.append(collapse(rest))
                self.normalizations["guidance lines of a title moved to note"] += 1
        text = collapse(text)
        if n.level == 3:
            text = collapse(re.sub(r"^□", "", text))
        n.title = text
        desc = collapse(nfc(n.raw.get("description", "")))
        if desc:
            extra.append(desc)
        n.note = " ".join(extra)
        n.source_points = (n.raw.get("score") or "").strip()

    # ------------------------------------------------------------------ ids

    def assign_ids(self, set_no, nodes):
        part = crit = sub = subsub = None
        used = set()
        crit_numbers = []  # (number, node)
        sub_letters = collections.defaultdict(list)  # crit id -> [(letter, node)]
        counters = collections.Counter()  # parent id -> options so far
        dash_counters = collections.Counter()

        def unique(base, node, what):
            if base not in used:
                used.add(base)
                return base
            k = 2
            while "%s_%d" % (base, k) in used:
                k += 1
            new = "%s_%d" % (base, k)
            used.add(new)
            self.fault(set_no, new, "duplicate " + what + " numbering", "unique id", base,
                       "source line %d repeats the numbering of an earlier %s; id made unique as %s" % (node.line, what, new))
            return new

        # Within a criterion whose printed sub-criterion letters repeat (set 13 C.6
        # "a) Ngoại hình - ..." five times; sets 18/19 A.3 "c)" after "đ)"), the
        # letters are given by position (a, b, c, d, đ, e, g...) and the fault is
        # reported; elsewhere the printed letter is the id.
        letter_of = {}
        group = []

        def settle(group):
            printed = [RE_SUB.match(x.title).group(1) for x in group]
            if len(set(printed)) == len(printed):
                for x, ch in zip(group, printed):
                    letter_of[id(x)] = (ch, False)
            else:
                for i, (x, ch) in enumerate(zip(group, printed)):
                    letter_of[id(x)] = (LETTERS[i], LETTERS[i] != ch)

        for n in nodes:
            if n.level <= 1:
                if group:
                    settle(group)
                group = []
            elif n.level == 2 and RE_SUB.match(n.title):
                group.append(n)
        if group:
            settle(group)

        for n in nodes:
            if n.level == 0:
                m = RE_PART.match(n.title)
                if not m:
                    raise Fault("%s.csv line %d: part without 'Phần A/B/C': %r" % (set_no, n.line, n.title))
                n.kind = "part"
                n.id = unique(m.group(1), n, "part")
                part, crit, sub, subsub = n, None, None, None
            elif n.level == 1:
                if part is None:
                    raise Fault("%s.csv line %d: criterion before any part" % (set_no, n.line))
                m = RE_CRIT.match(n.title)
                if not m:
                    raise Fault("%s.csv line %d: criterion without a number: %r" % (set_no, n.line, n.title))
                n.kind = "criterion"
                n.id = unique("%s.%s" % (part.id[0], int(m.group(1))), n, "criterion")
                n.parent = part
                crit_numbers.append((int(m.group(1)), n))
                crit, sub, subsub = n, None, None
            elif n.level == 2:
                if crit is None:
                    raise Fault("%s.csv line %d: sub-criterion before any criterion" % (set_no, n.line))
                n.kind = "criterion"
                m = RE_SUB.match(n.title)
                if m:
                    ch, by_position = letter_of[id(n)]
                    n.id = unique("%s.%s" % (crit.id, letter_id(ch)), n, "sub-criterion")
                    if by_position:
                        self.fault(set_no, n.id, "repeated sub-criterion letter (id given by position)",
                                   ch + ")", m.group(1) + ")",
                                   "source line %d; the letters of this criterion repeat, so all its sub-criteria take "
                                   "their letter from their position" % n.line)
                    n.parent = crit
                    sub_letters[crit.id].append((ch, n))
                    sub, subsub = n, None
                    if re.match(r"^[a-zđ]\s*[).]\s*$", n.title):
                        self.fault(set_no, n.id, "placeholder sub-criterion (no title of its own)", "a title", n.title,
                                   "header of the transcription; the criterion has no real sub-criteria")
                elif RE_DASH.match(n.title) and sub is not None:
                    # an unlettered "- ..." group inside a lettered sub-criterion (set 11)
                    dash_counters[sub.id] += 1
                    n.id = unique("%s.%d" % (sub.id, dash_counters[sub.id]), n, "sub-criterion")
                    n.parent = sub
                    subsub = n
                    self.fault(set_no, n.id, "third criterion level (unlettered '- ' group)",
                               "part > criterion > sub-criterion > option", "sub-criterion > '- ' group > option",
                               "kept as a criterion nested in %s (id %s, options %s.1...); the format doc describes only two criterion levels"
                               % (sub.id, n.id, n.id))
                else:
                    raise Fault("%s.csv line %d: sub-criterion without a letter: %r" % (set_no, n.line, n.title))
            else:
                parent = subsub or sub or crit
                if parent is None:
                    raise Fault("%s.csv line %d: option outside a criterion" % (set_no, n.line))
                counters[parent.id] += 1
                n.kind = "option"
                n.id = unique("%s.%d" % (parent.id, counters[parent.id]), n, "option")
                n.parent = parent
            if n.parent is not None:
                n.parent.children.append(n)

        # a sole sub-criterion repeating its criterion's title is a placeholder too
        for cid, lst in sub_letters.items():
            if len(lst) == 1:
                n = lst[0][1]
                if strip_numbering(n.title) == strip_numbering(n.parent.title):
                    self.fault(set_no, n.id, "placeholder sub-criterion (no title of its own)", "a title",
                               n.title, "repeats the title of %s; the criterion has no real sub-criteria" % cid)

        # numbering sequence checks (faults only; ids stay as printed)
        prev = 0
        for num, n in crit_numbers:
            if num != prev + 1:
                self.fault(set_no, n.id, "criterion numbering out of sequence", prev + 1, num)
            prev = num
        for cid, lst in sub_letters.items():
            if any(letter_of[id(n)][1] for _, n in lst):
                continue  # already reported as repeated letters
            for i, (ch, n) in enumerate(lst):
                exp = LETTERS[i] if i < len(LETTERS) else "?"
                if ch != exp:
                    self.fault(set_no, n.id, "sub-criterion lettering out of sequence", exp + ")", ch + ")")
        ids = [n.id for n in nodes]
        if len(ids) != len(set(ids)):
            raise Fault("%s: ids not unique after disambiguation" % set_no)

    # ------------------------------------------------------------------ marks, cases

    def assign_marks(self, set_no, nodes):
        for n in nodes:
            col = (n.raw.get("stars") or "").strip()
            if col and col not in ("3", "4", "5"):
                self.fault(set_no, n.id, "stars column not 3/4/5", "3, 4 or 5", col)
                col = ""
            title_mark = str(n.marks[-1]) if n.marks and n.marks[-1] in (3, 4, 5) else ""
            if len(set(n.marks)) > 1:
                self.fault(set_no, n.id, "several different star marks in one title", "one mark", " ".join("*" * m for m in n.marks))
            if col and title_mark and col != title_mark:
                self.fault(set_no, n.id, "min_star: stars column and title mark disagree", "stars column " + col,
                           "title mark " + "*" * int(title_mark), "kept the stars column")
                n.min_star = col
            elif col and not title_mark:
                self.fault(set_no, n.id, "min_star: stars column without a mark in the title", "", "stars column " + col,
                           "kept the stars column")
                n.min_star = col
            elif title_mark and not col:
                self.fault(set_no, n.id, "min_star: title mark without a value in the stars column", "",
                           "title mark " + "*" * int(title_mark), "kept the title mark")
                n.min_star = title_mark
            else:
                n.min_star = col
            if n.min_star and n.kind == "part":
                self.fault(set_no, n.id, "star mark on a part", "", n.min_star, "kept")

    def assign_cases(self, set_no, nodes):
        for n in nodes:
            if n.kind != "criterion" or not RE_CASE_INTRO.search(n.note):
                continue
            subs = [c for c in n.children if c.kind == "criterion"]
            if not subs:
                self.fault(set_no, n.id, "alternative cases announced but no sub-criteria", "sub-criteria per case", "none")
                continue
            for c in subs:
                m = RE_CASE.search(c.title)
                if not m:
                    self.fault(set_no, c.id, "sub-criterion of an alternative-case criterion names no case",
                               "Trường hợp N: ...", c.title)
                    continue
                key, name = m.group(1), collapse(m.group(2))
                if key not in CASES:
                    self.fault(set_no, c.id, "unknown case", "/".join(CASES), key)
                    continue
                if name != CASES[key]:
                    self.fault(set_no, c.id, "case name differs from version.json", CASES[key], name)
                stack = [c]
                while stack:
                    x = stack.pop()
                    x.case = key
                    stack.extend(x.children)
        for n in nodes:
            if RE_CASE.search(n.title) and not n.case:
                self.fault(set_no, n.id, "'Trường hợp' node outside an alternative-case criterion", "", n.title)

    # ------------------------------------------------------------------ knock-outs

    def knockouts(self, set_no, nodes):
        rules = []
        for n in nodes:
            for text in (n.note,):
                if not text:
                    continue
                # split into sentences at "Ghi chú:" / "Chú ý:" and full stops
                parts = re.split(r"(?=Ghi chú\s*:)|(?=Chú ý\s*:)", text)
                for p in parts:
                    if RE_KNOCKOUT.search(p):
                        rule = collapse(re.sub(r"^(Ghi chú|Chú ý)\s*:\s*", "", p.strip()))
                        rule = rule[:1].upper() + rule[1:]
                        if rule not in [r for r, _ in rules]:
                            rules.append((rule, n))
            if RE_KNOCKOUT.search(n.title):
                self.fault(set_no, n.id, "knock-out wording in a title", "", n.title, "not turned into a rule")
        out = []
        for i, (rule, n) in enumerate(rules, 1):
            k = Node(set_no, n.line, -1, {})
            k.id = "K%d" % i
            k.kind = "knockout"
            k.title = rule
            k.note = "source: note of %s" % n.id
            out.append(k)
        return out

    # ------------------------------------------------------------------ points

    def first_pass_points(self, nodes):
        for n in nodes:
            n.points = n.source_points if numeric(n.source_points) else ""

    def correct_points(self, all_sets):
        # index: (parent title, option title) -> [(set, points)] over numeric options
        index = collections.defaultdict(list)
        for set_no, nodes in all_sets.items():
            for n in nodes:
                if n.kind == "option" and numeric(n.source_points):
                    index[(strip_numbering(n.parent.title), strip_numbering(n.title))].append((set_no, n.source_points))
        for set_no, nodes in all_sets.items():
            for n in nodes:
                if n.kind == "option" and not numeric(n.source_points):
                    key = (strip_numbering(n.parent.title), strip_numbering(n.title))
                    others = [(s, p) for s, p in index.get(key, []) if s != set_no]
                    values = sorted(set(p for _, p in others))
                    if len(others) >= 2 and len(values) == 1:
                        n.points = values[0]
                        self.corrections.append(
                            [set_no, n.id, "points", n.source_points, n.points,
                             "the same option under the same sub-criterion scores %s in every other set where it appears (%s)"
                             % (values[0], " ".join(sorted(s for s, _ in others)))]
                        )
                        self.fault(set_no, n.id, "non-numeric score", "a number", repr(n.source_points),
                                   "corrected to %s (corrections.csv)" % n.points)
                    else:
                        n.points = ""
                        self.fault(set_no, n.id, "non-numeric score", "a number", repr(n.source_points),
                                   "NOT corrected (no unanimous value in other sets: %s); points left empty"
                                   % (", ".join("%s=%s" % x for x in others) or "no other occurrence"))
                elif n.kind in ("part", "criterion") and not numeric(n.source_points):
                    siblings = [c for c in n.parent.children if c.kind == "criterion"] if n.parent else []
                    best = self.best_option(n)
                    if (n.parent is not None and n.parent.kind == "criterion" and siblings == [n]
                            and numeric(n.parent.source_points) and best is not None
                            and best == int(n.parent.source_points)):
                        n.points = n.parent.source_points
                        self.corrections.append(
                            [set_no, n.id, "points", n.source_points, n.points,
                             "only sub-criterion of %s (maximum %s) and its best option scores %s, so its maximum is %s"
                             % (n.parent.id, n.parent.source_points, best, n.points)]
                        )
                        self.fault(set_no, n.id, "missing maximum", "a number", repr(n.source_points),
                                   "corrected to %s (corrections.csv)" % n.points)
                    else:
                        n.points = ""
                        self.fault(set_no, n.id, "missing maximum", "a number", repr(n.source_points), "NOT corrected; left empty")

    @staticmethod
    def best_option(n):
        vals = [int(c.source_points) for c in n.children if c.kind == "option" and numeric(c.source_points)]
        return max(vals) if vals else None

    # ------------------------------------------------------------------ checks

    def sum_checks(self, set_no, nodes):
        def per_case(children, value):
            """{case: total} for the children; uncased children count in every case."""
            cases = sorted(set(c.case for c in children if c.case))
            keys = cases or [""]
            out = {}
            for k in keys:
                vals = [value(c) for c in children if c.case in ("", k)]
                out[k] = None if any(v is None for v in vals) else vals
            return out

        def pts(c):
            return int(c.points) if numeric(c.points) else None

        parts = [n for n in nodes if n.kind == "part"]
        found_parts = {p.id: p for p in parts}
        for letter, mx in PARTS.items():
            p = found_parts.get(letter)
            if p is None:
                self.fault(set_no, letter, "missing part", letter, "absent")
                continue
            if pts(p) != mx:
                self.fault(set_no, p.id, "part maximum differs from the decision", mx, p.points)
        for n in nodes:
            if n.kind not in ("part", "criterion"):
                continue
            crits = [c for c in n.children if c.kind == "criterion"]
            opts = [c for c in n.children if c.kind == "option"]
            own = pts(n)
            if n.kind == "part" and opts:
                self.fault(set_no, n.id, "options directly under a part", "criteria", "%d options" % len(opts))
            if crits and opts:
                self.fault(set_no, n.id, "criterion mixes sub-criteria and options", "one kind of child",
                           "%d sub-criteria, %d options" % (len(crits), len(opts)))
            if not crits and not opts:
                self.fault(set_no, n.id, "leaf criterion without options" if n.kind == "criterion" else "empty part",
                           "options", "none")
                continue
            if crits:
                what = "part: sum of criteria" if n.kind == "part" else "criterion: sum of sub-criteria"
                for case, vals in per_case(crits, pts).items():
                    label = " (case %s)" % case if case else ""
                    if vals is None:
                        self.fault(set_no, n.id, what + " not computable", own, "a child without points" + label)
                    elif own is not None and sum(vals) != own:
                        self.fault(set_no, n.id, what + " != maximum" + label, own, sum(vals),
                                   " + ".join(str(v) for v in vals))
            elif opts:
                for case, vals in per_case(opts, pts).items():
                    label = " (case %s)" % case if case else ""
                    vals2 = [v for v in (vals or []) if v is not None]
                    if vals is None:
                        vals2 = [pts(c) for c in opts if c.case in ("", case) and pts(c) is not None]
                    best = max(vals2) if vals2 else None
                    if own is not None and best is not None and best != own:
                        self.fault(set_no, n.id, "leaf criterion: best option != maximum" + label, own, best,
                                   "options " + " / ".join(c.points or "?" for c in opts if c.case in ("", case)))
                # marks on options must not decrease in points as the rank rises
                marked = sorted(((int(c.min_star), pts(c), c.id) for c in opts if c.min_star and pts(c) is not None))
                for (s1, p1, i1), (s2, p2, i2) in zip(marked, marked[1:]):
                    if s2 > s1 and p2 < p1:
                        self.fault(set_no, n.id, "star marks not monotonic", "%s★ option <= %s★ option" % (s1, s2),
                                   "%s=%d (%s★) > %s=%d (%s★)" % (i1, p1, s1, i2, p2, s2))
        total = sum(pts(p) or 0 for p in parts)
        if total != sum(PARTS.values()):
            self.fault(set_no, "", "sheet total != 100", 100, total)

    # ------------------------------------------------------------------ output

    def write_sheet(self, path, nodes, knockouts):
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(HEADER)
            for n in nodes + knockouts:
                w.writerow([nfc(x) for x in (n.id, n.kind, n.title, n.points if n.kind != "knockout" else "",
                                             n.min_star, n.case, n.note)])


def faults_md(builder, all_sets, knock, names, counts):
    f = builder.faults
    lines = []
    add = lines.append
    add("# Faults in the source of qd148-2023")
    add("")
    add("Generated by `tools/build_criteria_qd148.py`; do not edit by hand.")
    add("")
    add("Source: the 26 sheets of Phụ lục I of Decision 148/QĐ-TTg (24/02/2023) as transcribed by a third")
    add("party in the public repository augustine-tran/ocop (`db/ocop/`), copied to")
    add("`shared/reference/criteria/qd148-2023/`. The decision is a legal document, not protected by copyright.")
    add("The transcription was not compared with the official gazette; every fault below is a fault of the")
    add("transcription as found by the script's checks, kept as in the source unless listed in `corrections.csv`.")
    add("")
    add("## Validity of this version")
    add("")
    add("`effective_to` is 2026-05-21: Decision 26/2026/QĐ-TTg takes effect on 22/05/2026 (Art. 11.1), and new")
    add("dossiers filed from that day use its criteria. Dossiers already filed and not yet evaluated on that day")
    add("are governed by the transition rules of Art. 12 of Decision 26/2026 (first evaluation or upgrade: still")
    add("under the 2021-2025 rules, finished within 60 days; re-evaluation: within 30 days), and ranks already")
    add("recognised stay valid until their decision expires (Art. 12.1). Note also that Art. 11.2 says Decision")
    add("148 itself ceases to have effect 60 days after 22/05/2026; `effective_to` records the last filing day,")
    add("as defined in docs/criteria-format.md, not that date.")
    add("")
    add("## Summary")
    add("")
    add("| fault | count | sets |")
    add("|---|---:|---|")
    by_type = collections.OrderedDict()
    for x in sorted(f, key=lambda x: x["type"]):
        by_type.setdefault(x["type"], []).append(x)
    for t, xs in by_type.items():
        add("| %s | %d | %s |" % (t, len(xs), " ".join(sorted(set(x["set"] for x in xs)))))
    add("")
    add("Corrections made (%d, also in `corrections.csv`):" % len(builder.corrections))
    add("")
    if builder.corrections:
        for c in builder.corrections:
            add("- set %s `%s` %s: `%s` → `%s` — %s" % tuple(c))
    else:
        add("- none")
    add("")
    add("## Knock-out rules")
    add("")
    add("The transcription contains **no general knock-out rule** (\"Hồ sơ bị loại khi: ...\": forged dossier,")
    add("no food-safety certificate, ...) in any set, although the evaluation sheets carry such rules (the")
    add("sheets of Decision 26/2026 open with them; the official text of Decision 148 was not at hand to")
    add("confirm its wording). The transcription omitted them; none are invented here. Only the knock-out rules")
    add("printed as notes inside the sheets were found, and they are kept as rows `K1`, `K2`... (the text also")
    add("stays in the note of the node that carries it). Stop rules (\"Không đánh giá các bước tiếp theo nếu")
    add("...\") are not knock-outs and stay in `note`.")
    add("")
    for s in SETS:
        for k in knock[s]:
            add("- set %s `%s`: %s (%s)" % (s, k.id, k.title, k.note))
    without = [s for s in SETS if not knock[s]]
    add("")
    add("Sets with no knock-out rule at all in the transcription: %s." % " ".join(without))
    add("")
    add("## Sum mismatches")
    add("")
    add("Every part whose criteria do not sum to its maximum, every criterion whose sub-criteria do not sum to")
    add("its maximum, every leaf criterion whose best option is not its maximum (per case in set 26). Values are")
    add("kept as in the source.")
    add("")
    add("| set | id | check | expected | found | detail |")
    add("|---|---|---|---:|---:|---|")
    sums = [x for x in f if "!=" in x["type"] or "not computable" in x["type"] or "part maximum" in x["type"]]
    for x in sorted(sums, key=lambda x: (x["set"], sort_key(x["id"]))):
        add("| %s | %s | %s | %s | %s | %s |" % (x["set"], x["id"], x["type"], x["expected"], x["found"], md(x["detail"])))
    if not sums:
        add("| | | none | | | |")
    add("")
    add("## Other faults")
    add("")
    add("| set | id | fault | expected | found | detail |")
    add("|---|---|---|---|---|---|")
    others = [x for x in f if x not in sums]
    for x in sorted(others, key=lambda x: (x["set"], sort_key(x["id"]), x["type"])):
        add("| %s | %s | %s | %s | %s | %s |" % (x["set"], x["id"], x["type"], md(x["expected"]), md(x["found"]), md(x["detail"])))
    add("")
    add("## Normalisations (not faults, no value changed)")
    add("")
    add("- `□` and the star marks removed from titles (the marks are in `min_star`); whitespace collapsed; NFC.")
    for k, v in sorted(builder.normalizations.items()):
        add("- %s: %d titles (the transcription puts such guidance sometimes in the description column, sometimes on a second line of the title)." % (k, v))
    add("- The description column goes to `note` (after any guidance moved from the title).")
    for s in SETS:
        crits = [n.id for n in all_sets[s] if n.kind == "criterion" and RE_CASE_INTRO.search(n.note)]
        if crits:
            add("- Set %s: the sub-criteria \"Trường hợp 1/2\" of %s (note \"Lựa chọn một trong hai trường hợp sau:\") "
                "and all their options carry `case` 1/2 (%d rows)."
                % (s, ", ".join(crits), sum(1 for n in all_sets[s] if n.case)))
    add("")
    add("## Sheets")
    add("")
    add("| set | name | rows | parts | criteria | options | knock-outs |")
    add("|---|---|---:|---:|---:|---:|---:|")
    for s in SETS:
        c = counts[s]
        add("| %s | %s | %d | %d | %d | %d | %d |" % (s, names.get(s, ""), sum(c.values()), c["part"], c["criterion"], c["option"], c["knockout"]))
    add("")
    return "\n".join(lines)


def md(s):
    return str(s).replace("|", "\\|").replace("\n", " ")


def sort_key(node_id):
    out = []
    for p in (node_id or "").split("."):
        out.append((0, int(p), "") if p.isdigit() else (1, 0, p))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=DEFAULT_SRC)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    b = Builder()
    names = {}
    with open(os.path.join(args.src, "index.csv"), encoding="utf-8", newline="") as f:
        for rec in csv.DictReader(f):
            names[rec["set"].strip()] = nfc(rec["name"]).strip()

    all_sets = collections.OrderedDict()
    for s in SETS:
        nodes = b.read_set(args.src, s)
        b.assign_ids(s, nodes)
        b.assign_marks(s, nodes)
        b.first_pass_points(nodes)
        all_sets[s] = nodes
    b.correct_points(all_sets)
    knock = {}
    for s, nodes in all_sets.items():
        b.assign_cases(s, nodes)
        knock[s] = b.knockouts(s, nodes)
        b.sum_checks(s, nodes)

    os.makedirs(args.out, exist_ok=True)
    counts = {}
    for s, nodes in all_sets.items():
        b.write_sheet(os.path.join(args.out, s + ".csv"), nodes, knock[s])
        counts[s] = collections.Counter(n.kind for n in nodes + knock[s])
    with open(os.path.join(args.out, "version.json"), "w", encoding="utf-8", newline="") as f:
        f.write(json.dumps(VERSION, ensure_ascii=False, indent=2) + "\n")
    with open(os.path.join(args.out, "corrections.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["set", "id", "field", "source_value", "value", "reason"])
        for row in b.corrections:
            w.writerow(row)
    with open(os.path.join(args.out, "FAULTS.md"), "w", encoding="utf-8", newline="") as f:
        f.write(faults_md(b, all_sets, knock, names, counts))

    total = collections.Counter()
    for c in counts.values():
        total.update(c)
    print("wrote %s: version.json, %d sheets, corrections.csv, FAULTS.md" % (os.path.relpath(args.out, ROOT), len(all_sets)))
    print("rows: " + ", ".join("%s %d" % (k, total[k]) for k in ("part", "criterion", "option", "knockout")) +
          " (total %d)" % sum(total.values()))
    print("corrections: %d" % len(b.corrections))
    for c in b.corrections:
        print("  set %s %s %s: %r -> %r" % (c[0], c[1], c[2], c[3], c[4]))
    by_type = collections.Counter(x["type"] for x in b.faults)
    print("faults: %d" % len(b.faults))
    for t, n in sorted(by_type.items()):
        sets = sorted(set(x["set"] for x in b.faults if x["type"] == t))
        print("  %3d  %s  [%s]" % (n, t, " ".join(sets)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Fault as e:
        print("error: %s" % e, file=sys.stderr)
        sys.exit(1)
