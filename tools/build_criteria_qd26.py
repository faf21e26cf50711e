#!/usr/bin/env python3
"""Build data/criteria/qd26-2026/ from the flattened text of Decision 26/2026/QĐ-TTg.

Source: shared/reference/criteria/qd26-2026-full-text.txt (an unofficial copy
whose tables were flattened to text: table cells are separated by lines that
are exactly " | ").  Phụ lục II holds the 26 criteria sheets.

Writes (see docs/criteria-format.md):
  data/criteria/qd26-2026/version.json
  data/criteria/qd26-2026/01.csv … 26.csv
  data/criteria/qd26-2026/corrections.csv
  data/criteria/qd26-2026/FAULTS.md
and prints a summary.  Standard library only, deterministic.

Usage: python3 tools/build_criteria_qd26.py [--source PATH] [--out DIR]
"""

import argparse
import csv
import io
import json
import os
import re
import sys
import unicodedata
from collections import Counter, OrderedDict

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
DEFAULT_SOURCE = os.path.normpath(
    os.path.join(REPO, "..", "shared", "reference", "criteria", "qd26-2026-full-text.txt"))
if not os.path.exists(DEFAULT_SOURCE):
    DEFAULT_SOURCE = "/work/shared/reference/criteria/qd26-2026-full-text.txt"
DEFAULT_OUT = os.path.join(REPO, "data", "criteria", "qd26-2026")
CLASSIFICATION = os.path.join(REPO, "data", "classification", "qd26-2026.csv")

SEP = " | "
PART_MAX = OrderedDict([("A", 40), ("B", 25), ("C", 35)])
# Vietnamese legal lettering of points: a b c d đ e g h i k l m n …
LETTERS = ["a", "b", "c", "d", "dd", "e", "g", "h", "i", "k", "l", "m", "n",
           "o", "p", "q", "r", "s", "t", "u", "v", "x", "y"]
CASES = OrderedDict([
    ("1", "Dịch vụ du lịch do cộng đồng cung cấp"),
    ("2", "Điểm dịch vụ du lịch; dịch vụ du lịch do tổ chức, cá nhân cung cấp"),
])

# Corrections: only obvious and provable ones.  Each is applied only if the
# parsed source value is exactly `source`; otherwise it is reported as stale.
# (set, id, field, source value, corrected value, reason)
CORRECTIONS = [
    ("11", "C.6.a.a.2", "points", "11", "1",
     "option 2 of 3 of '6.1.1. Tạp chất' (max 2, options 0/?/2): '11' exceeds the "
     "criterion maximum 2; the same option 'Có rất ít tạp chất, chấp nhận được' scores 1 "
     "in sets 09, 10 and 12; the sub-criteria of 6.1 then sum to its printed 4"),
    ("04", "C.7.3", "points", "13", "3",
     "best option of '7. DINH DƯỠNG' (printed maximum 3, options 0/1/?) reads '13', which "
     "exceeds the maximum; the same option 'Có trên 2 chỉ tiêu' scores 3 under the same "
     "criterion (maximum 3) in sets 01 and 03, and Part C sums to 35 with 3"),
    ("23", "C.9", "points", "4\n1", "4",
     "points cell of criterion 9 holds two numbers ('4' and '1'); its best option scores 4 "
     "and Part C only sums to the printed 35 with 4"),
    ("26", "A", "title", "Phần A SẢN PHẨM VÀ SỨC MẠNH CỘNG ĐỒNG (35 Điểm)",
     "Phần A SẢN PHẨM VÀ SỨC MẠNH CỘNG ĐỒNG (40 Điểm)",
     "heading says 35 points but the points cell says 40, the criteria sum to 40 and "
     "Art. 3(1)(a) fixes Part A at 40"),
]


def nfc(s):
    return unicodedata.normalize("NFC", s)


def collapse(s):
    return nfc(re.sub(r"\s+", " ", s).strip())


STAR_RE = re.compile(r"(?:\*\s*){3,5}")  # *** / **** / ***** (possibly spaced)


def strip_marks(text):
    """Return (text without star marks, star count or None, list of issues)."""
    issues = []
    found = [m.group(0) for m in STAR_RE.finditer(text)]
    stars = None
    if found:
        counts = sorted({g.count("*") for g in found})
        if len(found) > 1:
            issues.append("several star marks %r" % found)
        if any(re.search(r"\*\s+\*", g) for g in found):
            issues.append("spaced star mark %r read as %d stars" % (found[0].strip(), found[0].count("*")))
        stars = max(counts)
        text = STAR_RE.sub(" ", text)
    if "*" in text:
        issues.append("stray '*' left in text")
    return collapse(text), stars, issues


# ---------------------------------------------------------------- cells

class Cell:
    __slots__ = ("line", "lines")

    def __init__(self, line, lines):
        self.line = line          # 1-based line number of the first line
        self.lines = lines        # raw lines

    @property
    def text(self):
        return collapse(" ".join(self.lines))

    def is_points(self):
        """A points cell: empty, or every non-empty line is a short token."""
        toks = [l.strip() for l in self.lines if l.strip()]
        if not toks:
            return True
        return all(re.fullmatch(r"[0-9lIO.,]{1,4}", t) for t in toks) and len(toks) <= 3

    def points_raw(self):
        return "\n".join(l.strip() for l in self.lines if l.strip())


def split_cells(lines, start, end):
    """Cells of lines[start:end] (0-based indices)."""
    cells, buf, first = [], [], start
    for i in range(start, end):
        if lines[i] == SEP:
            cells.append(Cell(first + 1, buf))
            buf, first = [], i + 1
        else:
            buf.append(lines[i])
    if buf:
        cells.append(Cell(first + 1, buf))
    return cells


# ---------------------------------------------------------------- parsing

RE_PART = re.compile(r"^PHẦN\s+([ABC])\b", re.I)
RE_SUBSUB = re.compile(r"^(\d+)\.(\d+)\.(\d+)\.?\s+(.*)$")
RE_SUB = re.compile(r"^(\d+)\.(\d+)\.?\s+(.*)$")
RE_CRIT = re.compile(r"^(\d+)(\.?)\s+(\S.*)$")
RE_CASE = re.compile(r"^([a-zđ])[.)]\s*Trường hợp\s+(\d+)\s*:", re.I)
NOTE_LABEL = re.compile(r"^(Ghi chú|Chú ý|Yêu cầu|Lưu ý)\s*:", re.I)
KO_RE = re.compile(r"bị loại", re.I)


def letter(n):
    return LETTERS[n - 1] if 1 <= n <= len(LETTERS) else "x%d" % n


def doc_letter(ch):
    return "dd" if ch.lower() == "đ" else ch.lower()


class Sheet:
    def __init__(self, number, heading, line_from, line_to):
        self.number = number
        self.key = "%02d" % number
        self.heading = heading
        self.line_from = line_from
        self.line_to = line_to
        self.nodes = []           # dicts in document order
        self.by_id = {}
        self.faults = []          # (category, id, message)
        self.uncertain = []       # parse problems
        self.total = None

    def fault(self, cat, nid, msg):
        self.faults.append((cat, nid, msg))

    def add(self, node):
        nid = node["id"]
        if nid in self.by_id:
            # ids must stay well formed: take the next free sibling slot
            node["id"] = self._free_id(node)
            self.fault("numbering", node["id"],
                       "duplicate id %s from the document's numbering (line %d); renamed %s"
                       % (nid, node["line"], node["id"]))
        self.by_id[node["id"]] = node
        self.nodes.append(node)
        return node

    def _free_id(self, node):
        parent = node["parent"]
        if node["kind"] == "criterion" and parent is not None and parent.count(".") == 0:
            n = 1
            while "%s.%d" % (parent, n) in self.by_id:
                n += 1
            return "%s.%d" % (parent, n)
        if node["kind"] == "criterion":
            n = 1
            while "%s.%s" % (parent, letter(n)) in self.by_id:
                n += 1
            return "%s.%s" % (parent, letter(n))
        n = 1
        while "%s.%d" % (parent, n) in self.by_id:
            n += 1
        return "%s.%d" % (parent, n)


def new_node(kind, nid, parent, title, points, line, min_star=None, case=None, note=""):
    return {"id": nid, "kind": kind, "title": title, "points": points,
            "min_star": min_star, "case": case, "note": note, "line": line,
            "parent": parent, "raw_points": None, "level": None}


def parse_points(sheet, node, cell):
    """Attach a points cell to node; returns int or None."""
    if cell is None:
        node["raw_points"] = None
        return None
    raw = cell.points_raw()
    node["raw_points"] = raw
    if raw == "":
        return None
    if re.fullmatch(r"\d+", raw):
        return int(raw)
    sheet.fault("points", node["id"],
                "points cell %r (line %d) is not a single number; points left empty"
                % (raw, cell.line))
    return None


def split_note_lines(lines):
    """Split a content cell into (main lines, note lines) at the first line that
    starts a labelled note (Ghi chú:/Chú ý:/Yêu cầu:)."""
    for i, l in enumerate(lines):
        if i > 0 and NOTE_LABEL.match(l.strip()):
            return lines[:i], lines[i:]
    return lines, []


def parse_sheet(sheet, cells):
    """cells: the sheet's cells starting with its heading cell."""
    head = cells[0]
    # --- sheet-level knock-outs in the heading block
    ko_texts, cur = [], None
    for l in head.lines:
        s = l.strip()
        if re.match(r"^(Hồ sơ\s+)?bị loại khi\s*:", s, re.I):
            if cur:
                ko_texts.append(cur)
            cur = [s]
        elif cur is not None:
            if s == "Các tiêu chí" or not s:
                ko_texts.append(cur)
                cur = None
            else:
                cur.append(s)
    if cur:
        ko_texts.append(cur)
    if not head.lines or head.lines[-1].strip() != "Các tiêu chí":
        sheet.uncertain.append("heading cell (line %d) does not end with 'Các tiêu chí'" % head.line)
    kos = []
    for t in ko_texts:
        txt = collapse(" ".join(t))
        if txt in kos:
            sheet.duplicate_ko = txt
            continue
        kos.append(txt)
    sheet.pending_dup_ko = getattr(sheet, "duplicate_ko", None)
    k = 0
    for t in kos:
        k += 1
        sheet.add(new_node("knockout", "K%d" % k, None, t, None, head.line))
    sheet.ko_count = k

    # --- table body
    i = 1
    if i < len(cells) and cells[i].text == "Thang điểm":
        i += 1
    else:
        sheet.uncertain.append("no 'Thang điểm' header cell after the heading")
    part = None          # node
    crit = None          # top-level criterion node
    sub = None           # second level
    subsub = None        # third level
    case_sub = None
    expect_part = iter(PART_MAX.keys())
    seen_crit_numbers = []
    ended = False
    while i < len(cells):
        c = cells[i]
        lines = [l.strip() for l in c.lines if l.strip()]
        text = c.text
        nxt = cells[i + 1] if i + 1 < len(cells) else None
        pts_cell = None
        if nxt is not None and nxt.is_points():
            pts_cell = nxt
        step = 2 if pts_cell is not None else 1
        if c.is_points():
            sheet.uncertain.append("unexpected points-like cell %r at line %d" % (c.points_raw(), c.line))
            i += 1
            continue
        if text.upper().startswith("TỔNG CỘNG"):
            if pts_cell is not None and re.fullmatch(r"\d+", pts_cell.points_raw() or ""):
                sheet.total = int(pts_cell.points_raw())
            ended = True
            break

        m_part = RE_PART.match(text)
        if m_part:
            letter_ = m_part.group(1).upper()
            want = next(expect_part, None)
            if letter_ != want:
                sheet.uncertain.append("part %s found where %s expected (line %d)" % (letter_, want, c.line))
            title, stars, iss = strip_marks(text)
            node = new_node("part", letter_, None, title, None, c.line)
            node["level"] = 0
            sheet.add(node)
            node["points"] = parse_points(sheet, node, pts_cell)
            part, crit, sub, subsub, case_sub = node, None, None, None, None
            i += step
            continue
        if part is None:
            sheet.uncertain.append("content before Part A at line %d: %r" % (c.line, text[:60]))
            i += step
            continue

        main, extra = split_note_lines(c.lines)
        main_text = collapse(" ".join(main))

        # option
        bullet = None
        if main_text.startswith("□"):
            bullet = "□"
        elif re.match(r"^o\s", main_text):
            bullet = "o"
        if bullet:
            parent = case_sub or subsub or sub or crit
            if parent is None:
                sheet.uncertain.append("option outside any criterion at line %d" % c.line)
                i += step
                continue
            title, stars, iss = strip_marks(main_text[1:])
            n = 1 + sum(1 for x in sheet.nodes if x["parent"] == parent["id"] and x["kind"] == "option")
            node = new_node("option", "%s.%d" % (parent["id"], n), parent["id"], title, None, c.line,
                            min_star=stars, case=parent["case"])
            sheet.add(node)
            node["points"] = parse_points(sheet, node, pts_cell)
            if bullet == "o":
                sheet.fault("text", node["id"], "option printed with bullet 'o' instead of '□' (line %d)" % c.line)
            for msg in iss:
                sheet.fault("marks", node["id"], "%s (line %d)" % (msg, c.line))
            if pts_cell is None or node["points"] is None and not node["raw_points"]:
                sheet.fault("points", node["id"], "option has no points (line %d)" % c.line)
            handle_extra(sheet, extra, parent, c.line)
            i += step
            continue

        # alternative case sub-criterion (set 26)
        m_case = RE_CASE.match(main_text)
        if m_case and crit is not None:
            parent = sub or crit
            caseno = m_case.group(2)
            title, stars, iss = strip_marks(main_text)
            nid = "%s.%s" % (parent["id"], doc_letter(m_case.group(1)))
            node = new_node("criterion", nid, parent["id"], title, None, c.line, min_star=stars, case=caseno)
            node["level"] = parent["level"] + 1
            sheet.add(node)
            node["points"] = parse_points(sheet, node, pts_cell)
            if caseno not in CASES:
                sheet.uncertain.append("unknown case %s at line %d" % (caseno, c.line))
            case_sub = node
            handle_extra(sheet, extra, node, c.line)
            i += step
            continue

        m3 = RE_SUBSUB.match(main_text)
        m2 = RE_SUB.match(main_text) if not m3 else None
        m1 = RE_CRIT.match(main_text) if not (m3 or m2) else None
        if m3 or m2 or m1:
            title, stars, iss = strip_marks(main_text)
            if m1:
                num = int(m1.group(1))
                if m1.group(2) == "":
                    sheet.fault("text", "%s.%d" % (part["id"], num),
                                "criterion number printed without its period: %r (line %d)"
                                % (main_text[:30], c.line))
                exp = (seen_crit_numbers[-1] + 1) if seen_crit_numbers else 1
                if num != exp:
                    sheet.fault("numbering", "%s.%d" % (part["id"], num),
                                "criterion numbered %d where %d expected (line %d)" % (num, exp, c.line))
                seen_crit_numbers.append(num)
                node = new_node("criterion", "%s.%d" % (part["id"], num), part["id"], title, None, c.line,
                                min_star=stars)
                node["level"] = 1
                node["docnum"] = (num,)
                sheet.add(node)
                crit, sub, subsub, case_sub = node, None, None, None
            elif m2:
                a, b = int(m2.group(1)), int(m2.group(2))
                if crit is None:
                    sheet.uncertain.append("sub-criterion outside a criterion at line %d" % c.line)
                    i += step
                    continue
                if a != crit["docnum"][0]:
                    sheet.fault("numbering", crit["id"],
                                "sub-criterion %d.%d under criterion %d (line %d)" % (a, b, crit["docnum"][0], c.line))
                nsib = 1 + sum(1 for x in sheet.nodes if x["parent"] == crit["id"] and x["kind"] == "criterion")
                if b != nsib:
                    sheet.fault("numbering", crit["id"],
                                "sub-criterion numbered %d.%d is the %d. under criterion %d (line %d)"
                                % (a, b, nsib, crit["docnum"][0], c.line))
                node = new_node("criterion", "%s.%s" % (crit["id"], letter(b)), crit["id"], title, None,
                                c.line, min_star=stars)
                node["level"] = 2
                node["docnum"] = (a, b)
                sheet.add(node)
                sub, subsub, case_sub = node, None, None
            else:
                a, b, d = int(m3.group(1)), int(m3.group(2)), int(m3.group(3))
                if sub is None:
                    sheet.uncertain.append("sub-sub-criterion outside a sub-criterion at line %d" % c.line)
                    i += step
                    continue
                if (a, b) != sub["docnum"]:
                    sheet.fault("numbering", sub["id"],
                                "sub-criterion %d.%d.%d under %d.%d (line %d)" % (a, b, d, sub["docnum"][0],
                                                                                   sub["docnum"][1], c.line))
                node = new_node("criterion", "%s.%s" % (sub["id"], letter(d)), sub["id"], title, None,
                                c.line, min_star=stars)
                node["level"] = 3
                node["docnum"] = (a, b, d)
                sheet.add(node)
                subsub, case_sub = node, None
            node["points"] = parse_points(sheet, node, pts_cell)
            for msg in iss:
                sheet.fault("marks", node["id"], "%s (line %d)" % (msg, c.line))
            handle_extra(sheet, extra, node, c.line)
            i += step
            continue

        # free text row: note or knock-out
        if pts_cell is not None and pts_cell.points_raw():
            sheet.uncertain.append("unclassified row with points %r at line %d: %r"
                                   % (pts_cell.points_raw(), c.line, text[:80]))
            i += step
            continue
        target = case_sub or subsub or sub or crit or part
        if "các chỉ tiêu trên" in text and crit is not None:
            target = crit
        handle_extra(sheet, c.lines, target, c.line, free=True)
        i += step

    if not ended:
        sheet.uncertain.append("no 'TỔNG CỘNG' row found")
    return sheet


def handle_extra(sheet, lines, target, line, free=False):
    """Note text (or knock-out rule) attached to `target`."""
    if not lines:
        return
    text = collapse(" ".join(lines))
    if not text:
        return
    if KO_RE.search(text):
        rule = re.sub(r"^(Ghi chú|Chú ý|Lưu ý)\s*:\s*", "", text, flags=re.I)
        sheet.ko_count += 1
        node = new_node("knockout", "K%d" % sheet.ko_count, None, rule, None, line,
                        note="Ghi chú tại %s" % target["id"])
        sheet.add(node)
        return
    title, stars, iss = strip_marks(text)
    if stars:
        sheet.fault("marks", target["id"], "star mark inside a note (line %d)" % line)
    target["note"] = (target["note"] + " " + title).strip() if target["note"] else title


# ---------------------------------------------------------------- checks

def children(sheet, nid, kind=None):
    return [x for x in sheet.nodes if x["parent"] == nid and (kind is None or x["kind"] == kind)]


def best_option(sheet, node):
    opts = [o["points"] for o in children(sheet, node["id"], "option") if o["points"] is not None]
    return max(opts) if opts else None


def effective_max(sheet, node, case=None):
    """The maximum a criterion node can contribute for `case`."""
    if node["points"] is not None:
        return node["points"]
    subs = children(sheet, node["id"], "criterion")
    if subs:
        vals = [effective_max(sheet, s, case) for s in subs if s["case"] in (None, case)]
        return None if any(v is None for v in vals) else sum(vals)
    return best_option(sheet, node)


def check_sheet(sheet):
    # parts
    parts = [n for n in sheet.nodes if n["kind"] == "part"]
    letters = [p["id"] for p in parts]
    if letters != list(PART_MAX):
        sheet.uncertain.append("parts found %s, expected A/B/C" % letters)
    for p in parts:
        want = PART_MAX.get(p["id"])
        if p["points"] != want:
            sheet.fault("sum", p["id"], "part maximum %s, expected %s" % (p["points"], want))
        m = re.search(r"\((\d+)\s*Điểm\)", p["title"], re.I)
        if m and p["points"] is not None and int(m.group(1)) != p["points"]:
            sheet.fault("text", p["id"], "heading says %s points, points cell %s" % (m.group(1), p["points"]))
        crits = children(sheet, p["id"], "criterion")
        if not crits:
            sheet.uncertain.append("part %s has no criteria" % p["id"])
            continue
        vals = [c["points"] for c in crits]
        if any(v is None for v in vals):
            sheet.fault("sum", p["id"], "cannot sum: criteria without points %s"
                        % [c["id"] for c in crits if c["points"] is None])
        elif sum(vals) != p["points"]:
            sheet.fault("sum", p["id"], "criteria sum to %d, part maximum %s (%s)"
                        % (sum(vals), p["points"], " + ".join("%s=%d" % (c["id"], c["points"]) for c in crits)))
    total = sum(p["points"] or 0 for p in parts)
    if sheet.total is not None and sheet.total != total:
        sheet.fault("sum", "-", "TỔNG CỘNG says %d, parts sum to %d" % (sheet.total, total))
    if sheet.total is None:
        sheet.fault("sum", "-", "no numeric TỔNG CỘNG")

    # criteria
    for n in sheet.nodes:
        if n["kind"] != "criterion":
            continue
        subs = children(sheet, n["id"], "criterion")
        opts = children(sheet, n["id"], "option")
        if subs and opts:
            sheet.fault("structure", n["id"], "has both sub-criteria and options")
        if subs:
            cases = sorted({s["case"] for s in subs if s["case"]})
            for case in (cases or [None]):
                sel = [s for s in subs if s["case"] in (None, case)]
                vals = [effective_max(sheet, s, case) for s in sel]
                label = " (case %s)" % case if case else ""
                if n["points"] is None:
                    sheet.fault("sum", n["id"], "criterion has no printed maximum%s" % label)
                    continue
                if any(v is None for v in vals):
                    sheet.fault("sum", n["id"], "cannot sum sub-criteria%s: some have no points" % label)
                elif sum(vals) != n["points"]:
                    sheet.fault("sum", n["id"], "sub-criteria sum to %d%s, criterion maximum %d (%s)"
                                % (sum(vals), label, n["points"],
                                   " + ".join("%s=%s" % (s["id"], v) for s, v in zip(sel, vals))))
        elif opts:
            best = best_option(sheet, n)
            mx = n["points"]
            label = ""
            if mx is None and n["case"]:
                parent = sheet.by_id[n["parent"]]
                mx = parent["points"]
                label = " (case %s, against %s)" % (n["case"], parent["id"])
            if mx is None:
                sheet.fault("sum", n["id"], "leaf criterion has no printed maximum")
            elif best is None:
                sheet.fault("sum", n["id"], "no option has points")
            elif best != mx:
                sheet.fault("sum", n["id"], "best option %d%s, criterion maximum %d" % (best, label, mx))
            pts = [o["points"] for o in opts]
            if all(p is not None for p in pts) and pts != sorted(pts):
                sheet.fault("options", n["id"], "option points not in ascending order: %s" % pts)
            if all(p is not None for p in pts) and len(set(pts)) != len(pts):
                sheet.fault("options", n["id"], "two options score the same: %s" % pts)
            # marks
            marked = [(o["min_star"], o["points"], o["id"]) for o in opts if o["min_star"]]
            stars = [m[0] for m in marked]
            if len(stars) != len(set(stars)):
                sheet.fault("marks", n["id"], "the same mark on several options: %s"
                            % ", ".join("%s %s" % (o, "*" * s) for s, _, o in marked))
            for (s1, p1, o1) in marked:
                for (s2, p2, o2) in marked:
                    if s1 < s2 and p1 is not None and p2 is not None and p1 > p2:
                        sheet.fault("marks", n["id"], "%s (%d stars) scores %d but %s (%d stars) scores %d"
                                    % (o1, s1, p1, o2, s2, p2))
            if n["min_star"] and marked:
                sheet.fault("marks", n["id"], "marks both on the criterion and on its options")
        else:
            sheet.fault("structure", n["id"], "criterion without sub-criteria or options "
                        "(points %s): nothing to tick" % n["points"])
        if n["level"] == 1 and n["min_star"] is None:
            pass


def _bare(title):
    """Criterion title without its number, for comparing sheets."""
    return re.sub(r"^(\d+(\.\d+)*\.?|[a-zđ][.)])\s*", "", title)


def cross_set_evidence(sheets):
    """For suspicious option values, show what the same option (same criterion
    title, same option title) scores in the other sets.  Evidence only."""
    index = {}
    for sh in sheets:
        for n in sh.nodes:
            if n["kind"] == "option":
                par = sh.by_id[n["parent"]]
                key = (_bare(par["title"]), n["title"])
                index.setdefault(key, []).append((sh.key, n["points"]))
    for sh in sheets:
        extra = []
        for (cat, nid, msg) in sh.faults:
            targets = []
            if cat == "options" and "score the same" in msg:
                targets = [o for o in children(sh, nid, "option")]
            elif cat == "points" and nid in sh.by_id and sh.by_id[nid]["kind"] == "option":
                targets = [sh.by_id[nid]]
            for o in targets:
                key = (_bare(sh.by_id[o["parent"]]["title"]), o["title"])
                others = [(k, v) for k, v in index.get(key, []) if k != sh.key]
                if not others:
                    continue
                vals = Counter(v for _, v in others)
                if len(vals) == 1 and list(vals)[0] == o["points"]:
                    continue
                extra.append(("evidence", o["id"],
                              "this sheet: %s; the same option under the same criterion in other sets: %s"
                              % ("empty" if o["points"] is None else o["points"],
                                 ", ".join("%s in %s" % ("empty" if v is None else v,
                                                         " ".join(k for k, w in others if w == v))
                                           for v, _ in sorted(vals.items(), key=lambda kv: -kv[1])))))
        sh.faults.extend(extra)


def check_case_names(sheets):
    for sh in sheets:
        names = {}
        for n in sh.nodes:
            if n["kind"] == "criterion" and n["case"]:
                name = re.sub(r"^[a-zđ][.)]\s*Trường hợp\s+\d+\s*:\s*", "", n["title"])
                names.setdefault(n["case"], []).append((n["id"], name))
        for case, lst in sorted(names.items()):
            distinct = sorted({nm for _, nm in lst})
            if len(distinct) > 1:
                sh.fault("text", ",".join(i for i, _ in lst),
                         "case %s is named differently: %s; version.json names it %r"
                         % (case, " / ".join("%s %r" % (i, nm) for i, nm in lst), CASES.get(case)))


# ---------------------------------------------------------------- main

def find_sheets(lines):
    try:
        p2 = next(i for i, l in enumerate(lines) if l.strip() == "PHỤ LỤC II")
        p3 = next(i for i, l in enumerate(lines) if l.strip() == "PHỤ LỤC III")
    except StopIteration:
        sys.exit("Phụ lục II / III not found")
    cells = split_cells(lines, p2, p3)
    heads = [k for k, c in enumerate(cells)
             if any(l.strip().startswith("Tên sản phẩm:") for l in c.lines)]
    return p2, p3, cells, heads


def sheet_heading(cell):
    out = []
    for l in cell.lines:
        s = l.strip()
        if s.startswith("(Sản phẩm") or s.startswith("___") or s.startswith("---") or s.startswith("Tên sản phẩm"):
            break
        out.append(s)
    return collapse(" ".join(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    with open(args.source, encoding="utf-8") as f:
        raw = f.read()
    lines = [nfc(l) for l in raw.split("\n")]
    # keep separators exact (NFC does not touch them)

    # ---- effective date (Điều 11 Hiệu lực thi hành)
    eff_from, eff_note = None, None
    for i, l in enumerate(lines):
        if re.match(r"^Điều\s+\d+\.\s*Hiệu lực thi hành", l.strip()):
            art = l.strip().split(".")[0]
            block = collapse(" ".join(lines[i + 1:i + 4]))
            m = re.search(r"có hiệu lực thi hành từ ngày (\d{1,2}) tháng (\d{1,2}) năm (\d{4})", block)
            m2 = re.search(r"có hiệu lực (thi hành )?(kể )?từ ngày ký", block)
            if m:
                eff_from = "%04d-%02d-%02d" % (int(m.group(3)), int(m.group(2)), int(m.group(1)))
                eff_note = "%s (line %d): %r" % (art, i + 1, m.group(0))
            elif m2:
                eff_from = "2026-05-22"
                eff_note = "%s (line %d): effective from signing" % (art, i + 1)
            break
    if eff_from is None:
        sys.exit("effect article not found")
    # Part maxima from Điều 3(1)
    art3 = collapse(" ".join(lines[:200]))
    found_parts = dict(re.findall(r"Phần ([ABC]): Các tiêu chí đánh giá về [^()]*\((\d+) điểm\)", art3))
    for k, v in PART_MAX.items():
        if int(found_parts.get(k, -1)) != v:
            sys.exit("Art. 3 part maxima differ from %s: %s" % (dict(PART_MAX), found_parts))

    p2, p3, cells, heads = find_sheets(lines)
    if len(heads) != 26:
        print("WARNING: found %d sheet headings, expected 26" % len(heads), file=sys.stderr)

    classification = []
    if os.path.exists(CLASSIFICATION):
        with open(CLASSIFICATION, encoding="utf-8") as f:
            classification = list(csv.DictReader(f))

    sheets = []
    for k, h in enumerate(heads):
        end = heads[k + 1] if k + 1 < len(heads) else len(cells)
        sc = cells[h:end]
        heading = sheet_heading(sc[0])
        m = re.match(r"^(\d+)\.", heading)
        number = k + 1
        sh = Sheet(number, heading, sc[0].line, (cells[end].line - 1) if end < len(cells) else p3)
        if not m or int(m.group(1)) != number:
            sh.uncertain.append("heading %r does not carry number %d" % (heading, number))
        parse_sheet(sh, sc)
        sheets.append(sh)

    # ---- corrections
    applied = []
    stale = []
    for (sk, nid, field, src, val, reason) in CORRECTIONS:
        sh = next((s for s in sheets if s.key == sk), None)
        node = sh.by_id.get(nid) if sh else None
        if node is None:
            stale.append((sk, nid, field, "node not found"))
            continue
        if field == "points":
            cur = node["raw_points"]
            if cur != src:
                stale.append((sk, nid, field, "source value is %r, not %r" % (cur, src)))
                continue
            node["points"] = int(val)
            # drop the parse fault, it is now a recorded correction
            sh.faults = [f for f in sh.faults if not (f[0] == "points" and f[1] == nid)]
        elif field == "title":
            if node["title"] != src:
                stale.append((sk, nid, field, "source value is %r" % node["title"]))
                continue
            node["title"] = val
        applied.append((sk, nid, field, src, val, reason))
        sh.fault("corrected", nid, "%s %r → %r (see corrections.csv)" % (field, src, val))
    for sh in sheets:
        dup = getattr(sh, "pending_dup_ko", None)
        if dup:
            applied.append((sh.key, "K1", "row", dup, "",
                            "the heading repeats the same knock-out paragraph twice word for word; "
                            "kept once as K1"))
            sh.fault("corrected", "K1", "knock-out paragraph printed twice in the heading; kept once")

    for sh in sheets:
        check_sheet(sh)
    cross_set_evidence(sheets)
    check_case_names(sheets)

    # ---- write
    os.makedirs(args.out, exist_ok=True)
    version = OrderedDict([
        ("id", "qd26-2026"),
        ("title", "Quyết định số 26/2026/QĐ-TTg ngày 22/05/2026 của Thủ tướng Chính phủ"),
        ("signed_on", "2026-05-22"),
        ("effective_from", eff_from),
        ("effective_to", None),
        ("parts", OrderedDict(PART_MAX)),
        ("cases", CASES),
        ("source", "shared/reference/criteria/qd26-2026-full-text.txt: unofficial copy of the decision; "
                   "legal document, not protected by copyright; verify against the official gazette"),
    ])
    write_text(os.path.join(args.out, "version.json"),
               json.dumps(version, ensure_ascii=False, indent=2) + "\n")

    counts = Counter()
    for sh in sheets:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["id", "kind", "title", "points", "min_star", "case", "note"])
        for n in sh.nodes:
            w.writerow([n["id"], n["kind"], nfc(n["title"]),
                        "" if n["points"] is None else n["points"],
                        "" if n["min_star"] is None else n["min_star"],
                        n["case"] or "", nfc(n["note"] or "")])
            counts[n["kind"]] += 1
        write_text(os.path.join(args.out, "%s.csv" % sh.key), buf.getvalue())

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["set", "id", "field", "source_value", "value", "reason"])
    for row in sorted(applied, key=lambda r: (r[0], r[1])):
        w.writerow(row)
    write_text(os.path.join(args.out, "corrections.csv"), buf.getvalue())

    write_text(os.path.join(args.out, "FAULTS.md"),
               faults_md(sheets, applied, stale, eff_note, classification, p2, p3))

    # ---- summary
    clean = [s.key for s in sheets if not s.uncertain and not s.faults]
    print("qd26-2026: %d sheets from %s (Phụ lục II lines %d-%d)" % (len(sheets), args.source, p2 + 1, p3))
    print("effective_from %s — %s" % (eff_from, eff_note))
    print("rows: " + ", ".join("%s %d" % (k, counts[k]) for k in ("part", "criterion", "option", "knockout")))
    print("corrections: %d%s" % (len(applied), (", STALE: %d" % len(stale)) if stale else ""))
    for sh in sheets:
        fc = Counter(f[0] for f in sh.faults)
        print("  %s  %-60s %4d rows  %s%s" % (
            sh.key, sh.heading[:60], len(sh.nodes),
            ", ".join("%s %d" % kv for kv in sorted(fc.items())) or "no faults",
            ("  UNCERTAIN: " + "; ".join(sh.uncertain)) if sh.uncertain else ""))
    print("sum mismatches: %d; uncertain sheets: %s" % (
        sum(1 for sh in sheets for f in sh.faults if f[0] == "sum"),
        ", ".join(sh.key for sh in sheets if sh.uncertain) or "none"))
    print("sheets with no fault at all: %s" % (", ".join(clean) or "none"))
    return 0


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def faults_md(sheets, applied, stale, eff_note, classification, p2, p3):
    out = []
    o = out.append
    o("# Faults in the source of qd26-2026")
    o("")
    o("Generated by `tools/build_criteria_qd26.py` from")
    o("`shared/reference/criteria/qd26-2026-full-text.txt` (an unofficial copy of")
    o("Decision 26/2026/QĐ-TTg whose tables were flattened to text). Line numbers")
    o("refer to that file. Nothing below is hidden in the CSVs: values are kept as in")
    o("the source unless listed in `corrections.csv`.")
    o("")
    o("## Reading of the source")
    o("")
    o("- Phụ lục II: lines %d–%d; 26 sheets, split at the heading cell that holds" % (p2 + 1, p3))
    o("  'Tên sản phẩm:'. Each sheet is a two-column table (content | points).")
    o("- Effective date: %s. (Art. 13 is 'Trách nhiệm thi hành'; the effect" % eff_note)
    o("  article is Art. 11.)")
    o("- Part maxima A 40 / B 25 / C 35 are stated in Art. 3(1).")
    o("- The 2026 sheets number sub-criteria `1.1.`, `1.2.` … (not `a)`, `b)`). The id")
    o("  uses the Vietnamese letter of the second number (1→a, 2→b, 3→c, 4→d, 5→dd,")
    o("  6→e, 7→g …), so `1.5.` in Part A is `A.1.dd`. Criterion numbers run across")
    o("  the sheet (Part B starts at 4, Part C at 6), so ids are `B.4`, `C.6` ….")
    o("- Sets 11 and 13 have a third level (`6.1.1.`): it becomes a nested")
    o("  criterion `C.6.a.a` (kind criterion) with options `C.6.a.a.1` ….")
    o("- Set 26: rows 'a. Trường hợp 1: …' / 'b. Trường hợp 2: …' become")
    o("  sub-criteria `C.8.a` / `C.8.b` with case 1 / 2; their options carry the same")
    o("  case. These sub-criteria have no printed maximum (points empty); each case's")
    o("  best option is checked against the parent criterion's maximum.")
    o("- Notes ('Ghi chú:', 'Chú ý:', 'Yêu cầu:', 'Chỉ áp dụng …', 'Lựa chọn …')")
    o("  go to the `note` of the innermost criterion above them (a note about")
    o("  'các chỉ tiêu trên' goes to the top criterion). A note that says 'bị loại'")
    o("  is a knock-out row `K…`, placed in document order, with note 'Ghi chú tại <id>'.")
    o("  Rules that only stop the evaluation ('sẽ không đánh giá các bước tiếp theo')")
    o("  are kept as notes, not knock-outs.")
    o("")
    o("## Corrections applied (also in corrections.csv)")
    o("")
    if applied:
        for (sk, nid, field, src, val, reason) in sorted(applied, key=lambda r: (r[0], r[1])):
            o("- set %s `%s` %s: %r → %r — %s" % (sk, nid, field, src, val, reason))
    else:
        o("- none")
    if stale:
        o("")
        o("**Corrections that could not be applied (source differs):**")
        for s in stale:
            o("- set %s `%s` %s: %s" % s)
    o("")
    o("## Overview")
    o("")
    tot = Counter(f[0] for sh in sheets for f in sh.faults)
    o("Faults by category over all sheets: " + ", ".join("%s %d" % kv for kv in sorted(tot.items())) + ".")
    o("")
    o("Sum checks (part = sum of its criteria and = 40/25/35; criterion = sum of its")
    o("sub-criteria, per case in set 26; leaf criterion = its best option; TỔNG CỘNG =")
    o("100): %d mismatches after the corrections below." % tot.get("sum", 0))
    unc = [sh.key for sh in sheets if sh.uncertain]
    o("Sheets whose parse is uncertain: %s." % (", ".join(unc) or "none"))
    o("")
    o("## Faults by sheet")
    o("")
    o("Categories: `sum` (a maximum that does not equal its parts), `structure`")
    o("(a criterion with nothing to tick, …), `points` (unreadable points),")
    o("`options` (suspicious option values), `marks` (star marks), `numbering`,")
    o("`text`, `corrected` (see corrections.csv), `evidence` (what the same option scores")
    o("in the other sets; information for a reviewer, not a correction). `UNCERTAIN` lists")
    o("places where the parse itself is in doubt.")
    o("")
    cls = {r["set"]: r["name"] for r in classification}
    for sh in sheets:
        o("### %s — %s" % (sh.key, sh.heading))
        o("")
        o("Lines %d–%d. Classification name: %s. %d rows." % (sh.line_from, sh.line_to,
                                                             cls.get(sh.key, "?"), len(sh.nodes)))
        o("")
        if sh.uncertain:
            for u in sh.uncertain:
                o("- **UNCERTAIN** %s" % u)
        if not sh.faults and not sh.uncertain:
            o("- no faults found")
        for (cat, nid, msg) in sh.faults:
            o("- `%s` %s: %s" % (nid, cat, msg))
        o("")
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
