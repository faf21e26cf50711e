#!/usr/bin/env python3
"""Build the cleaned administrative-unit tables in data/admin-units/.

Reads the raw material in shared/reference/admin-units/ (taken from the PyPI
package vietnamadminunits 1.0.4, MIT) and writes, deterministically:

  provinces.csv, communes.csv                      (34 provinces / 3,321 communes since 01/07/2025)
  legacy-provinces.csv, legacy-districts.csv,
  legacy-communes.csv                              (63 provinces / ~700 districts / ~10,035 communes before)
  commune-mapping.csv                              (old commune -> new commune(s), one default each)
  suspect-splits.csv                               (split pairs that look like source faults, see README)
  README.md                                        (description, counts and the source faults found)
  unmatched.txt                                    (only when more than 30 JSON keys fail to match)

Standard library only.  Usage (from the repository root):

    python3 tools/build_admin_units.py [--src DIR] [--out DIR]

Exits non-zero when the basic counts are wrong (34 provinces, 3,321 communes,
63 legacy provinces) or when an internal invariant fails.
"""

import argparse
import collections
import csv
import io
import json
import math
import os
import re
import sys
import unicodedata

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SRC = os.path.join(os.path.dirname(ROOT), "shared", "reference", "admin-units")
DEFAULT_OUT = os.path.join(ROOT, "data", "admin-units")

EXPECTED_PROVINCES = 34
EXPECTED_COMMUNES = 3321
EXPECTED_LEGACY_PROVINCES = 63

# A non-default target of a divided old commune is treated as a cross-contamination
# fault when it is the default (or only) target of another old commune with the same
# name in the same new province, and it lies further from the old commune's default
# new commune than SUSPECT_RATIO x (sum of the two new communes' equivalent radii).
SUSPECT_RATIO = 1.5
UNMATCHED_INLINE_MAX = 30


# ---------------------------------------------------------------- helpers

def nfc(s):
    return unicodedata.normalize("NFC", s)


def plain_key(s):
    """Unaccented key as the package builds it: strip diacritics (đ->d), lowercase,
    keep only [a-z0-9]."""
    s = nfc(s).replace("đ", "d").replace("Đ", "D")
    s = unicodedata.normalize("NFD", s)
    s = "".join(c for c in s if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]", "", s.lower())


def accented_key(s):
    """Accented key (the package's key_normalize(decode=False)): lowercase, drop
    everything that is not a word character, keep the diacritics."""
    return re.sub(r"[^\w]", "", nfc(s)).lower()


def is_ascii_key(k):
    return re.fullmatch(r"[a-z0-9_]*", k) is not None


def km(lat1, lon1, lat2, lon2):
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


def radius(area):
    return math.sqrt(max(area or 0.0, 0.0) / math.pi)


def read_csv(path):
    with open(path, encoding="utf-8", newline="") as f:
        return [{k: nfc(v.strip()) for k, v in row.items()} for row in csv.DictReader(f)]


def write_csv(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([nfc(str(x)) for x in r])
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(buf.getvalue())


def write_text(path, text):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(nfc(text))


def fix_prefix_case(name, kind):
    """'Thị Trấn Ái Tử' -> 'Thị trấn Ái Tử' when the prefix differs from the kind only by case."""
    if kind and not name.startswith(kind) and name.lower().startswith(kind.lower() + " "):
        return kind + name[len(kind):]
    return name


# ---------------------------------------------------------------- build

def build(src, out):
    faults = collections.OrderedDict()  # title -> list of lines
    errors = []

    def fault(title, line):
        faults.setdefault(title, []).append(line)

    # ---- 2025 provinces and communes
    new_rows = read_csv(os.path.join(src, "communes-2025.csv"))
    provinces = {}
    communes = {}
    for r in new_rows:
        pc = r["province_code"]
        prov = (r["province_name"], r["province_lat"], r["province_lon"])
        if pc in provinces and provinces[pc] != prov:
            errors.append(f"province {pc} has inconsistent name/coordinates")
        provinces[pc] = prov
        cc = r["commune_code"]
        if cc in communes:
            errors.append(f"duplicate commune code {cc}")
        name = r["commune_name"]
        kind = r["commune_type"]
        if not name.startswith(kind + " "):
            fault("Name prefix differs from kind",
                  f"new commune {cc} `{name}` has kind `{kind}` (both kept as in source; which one is right was not verified)")
        if not r["area_km2"]:
            fault("Missing values", f"new commune {cc} `{name}` ({prov[0]}): area_km2 empty (left empty)")
        for col in ("commune_lat", "commune_lon"):
            if not r[col]:
                fault("Missing values", f"new commune {cc} `{name}`: {col} empty (left empty)")
        communes[cc] = {"code": cc, "province_code": pc, "name": name, "kind": kind,
                        "lat": r["commune_lat"], "lon": r["commune_lon"], "area": r["area_km2"]}

    prov_rows = []
    for pc in sorted(provinces):
        name, lat, lon = provinces[pc]
        if name.startswith("Thành phố "):
            kind = "Thành phố"
        elif name.startswith("Tỉnh "):
            kind = "Tỉnh"
        else:
            kind = ""
            errors.append(f"province {pc} `{name}` has no Tỉnh/Thành phố prefix")
        prov_rows.append((pc, name, kind, lat, lon))

    # ---- legacy
    old_rows = read_csv(os.path.join(src, "communes-legacy-pre2025.csv"))
    merger_rows = read_csv(os.path.join(src, "provinces-2025-merger.csv"))
    legacy_prov = {}
    legacy_dist = {}
    legacy_comm = {}
    empty_districts = []
    for r in old_rows:
        legacy_prov.setdefault(r["province_code"], r["province_name"])
        dc = r["district_code"]
        dname = fix_prefix_case(r["district_name"], r["district_type"])
        if dname != r["district_name"] and dc not in legacy_dist:
            fault("Name prefix case", f"legacy district {dc} `{r['district_name']}` -> `{dname}`")
        d = (r["province_code"], dname, r["district_type"])
        if dc in legacy_dist and legacy_dist[dc] != d:
            errors.append(f"district {dc} inconsistent")
        legacy_dist[dc] = d
        cc = r["commune_code"]
        if not cc:
            empty_districts.append(dc)
            continue
        if cc in legacy_comm:
            errors.append(f"duplicate legacy commune code {cc}")
        name = fix_prefix_case(r["commune_name"], r["commune_type"])
        if name != r["commune_name"]:
            fault("Name prefix case", f"legacy commune {cc} `{r['commune_name']}` -> `{name}`")
        elif not name.startswith(r["commune_type"] + " "):
            fault("Name prefix differs from kind", f"legacy commune {cc} `{name}` has kind `{r['commune_type']}` (kept)")
        legacy_comm[cc] = {"code": cc, "district_code": dc, "province_code": r["province_code"],
                           "province_name": r["province_name"], "district_name": r["district_name"],
                           "name": name, "src_name": r["commune_name"], "kind": r["commune_type"]}
    for dc, (pc, dn, dt) in legacy_dist.items():
        if not dn.startswith(dt + " "):
            fault("Name prefix differs from kind", f"legacy district {dc} `{dn}` has kind `{dt}` (kept)")

    merger = {}
    legacy_prov_rows = []
    for r in merger_rows:
        oc, nc = r["old_province_code"], r["new_province_code"]
        merger[oc] = nc
        legacy_prov_rows.append((oc, r["old_province_name"], nc))
        if legacy_prov.get(oc) != r["old_province_name"]:
            errors.append(f"merger table: old province {oc} `{r['old_province_name']}` not in legacy CSV")
        if nc not in provinces or provinces[nc][0] != r["new_province_name"]:
            errors.append(f"merger table: new province {nc} `{r['new_province_name']}` not in 2025 CSV")
    legacy_prov_rows.sort()
    if set(merger) != set(legacy_prov):
        errors.append("merger table does not cover exactly the legacy provinces")

    # ---- key indexes
    new_prov_by_key = {plain_key(provinces[pc][0]): pc for pc in provinces}
    old_prov_by_key = {plain_key(n): pc for pc, n in legacy_prov.items()}
    old_dist_by_key = {}
    for dc, (pc, dn, dt) in legacy_dist.items():
        old_dist_by_key[(pc, plain_key(dn))] = dc

    # new communes: key unique within the new province; colliding plain keys use the accented key
    new_groups = collections.defaultdict(list)
    for c in communes.values():
        new_groups[(c["province_code"], plain_key(c["name"]))].append(c)
    new_index = {}
    for (pc, k), cs in sorted(new_groups.items()):
        if len(cs) == 1:
            new_index[(pc, k)] = cs[0]["code"]
        else:
            fault("Duplicate names (plain keys collide)",
                  f"new, {provinces[pc][0]}: " + " / ".join(f"`{c['name']}` ({c['code']})" for c in sorted(cs, key=lambda c: c["code"]))
                  + f" share key `{k}`; the JSON uses accented keys for them")
        for c in cs:
            new_index.setdefault((pc, accented_key(c["name"])), c["code"])

    old_groups = collections.defaultdict(list)
    for c in legacy_comm.values():
        pk = plain_key(c["province_name"])
        dk = plain_key(c["district_name"])
        old_groups[(pk, dk, plain_key(c["src_name"]))].append(c)
    old_index = {}
    for (pk, dk, k), cs in sorted(old_groups.items()):
        if len(cs) == 1:
            old_index[f"{pk}_{dk}_{k}"] = cs[0]["code"]
        else:
            fault("Duplicate names (plain keys collide)",
                  f"legacy, {cs[0]['province_name']} / {cs[0]['district_name']}: "
                  + " / ".join(f"`{c['name']}` ({c['code']})" for c in sorted(cs, key=lambda c: c["code"]))
                  + f" share key `{k}`; the JSON uses accented keys for them")
        for c in cs:
            old_index.setdefault(f"{pk}_{dk}_{accented_key(c['src_name'])}", c["code"])

    # ---- the conversion JSON
    with open(os.path.join(src, "commune-conversion-2025.json"), encoding="utf-8") as f:
        conv = json.load(f)
    expected_sections = {"DICT_PROVINCE", "DICT_PROVINCE_WARD_NO_DIVIDED", "DICT_PROVINCE_WARD_DIVIDED"}
    if set(conv) != expected_sections:
        fault("JSON structure", f"top-level keys {sorted(conv)} (expected {sorted(expected_sections)})")

    for npk, olds in sorted(conv["DICT_PROVINCE"].items()):
        if npk not in new_prov_by_key:
            errors.append(f"DICT_PROVINCE: new province key {npk} unknown")
            continue
        for opk in olds:
            if opk not in old_prov_by_key:
                errors.append(f"DICT_PROVINCE: old province key {opk} unknown")
            elif merger[old_prov_by_key[opk]] != new_prov_by_key[npk]:
                fault("Province merger disagreement", f"JSON puts {opk} in {npk}, merger table says {merger[old_prov_by_key[opk]]}")

    unmatched = []          # (section, key, note)
    diacritic_keys = set()  # (kind, key, code or None)
    district_level = []     # (old key, old district code, new commune code)
    pairs = {}              # (old, new) -> is_default
    targets = collections.defaultdict(dict)   # old code -> {new code: is_default}
    split_info = {}         # old code -> (new province key, list of json entries)
    old_key_of = {}

    def resolve_new(npk, wk, where):
        pc = new_prov_by_key.get(npk)
        code = new_index.get((pc, wk)) if pc else None
        if not is_ascii_key(wk):
            diacritic_keys.add(("new", f"{npk} / {wk}", code))
        if code is None:
            unmatched.append((where, f"{npk} / {wk}", "new commune key not found in communes-2025.csv"))
        return code

    def resolve_old(ok, npk, where):
        if not is_ascii_key(ok):
            diacritic_keys.add(("old", ok, old_index.get(ok)))
        parts = ok.split("_")
        if len(parts) != 3:
            unmatched.append((where, ok, "key does not have 3 parts"))
            return None
        if parts[0] not in conv["DICT_PROVINCE"].get(npk, []):
            fault("Old key in the wrong new province", f"`{ok}` listed under `{npk}`")
        if parts[2] == "":
            pc = old_prov_by_key.get(parts[0])
            dc = old_dist_by_key.get((pc, parts[1]))
            district_level.append([ok, dc, None])
            return None
        code = old_index.get(ok)
        if code is None:
            unmatched.append((where, ok, "old commune key not found in communes-legacy-pre2025.csv"))
        else:
            old_key_of[code] = ok
        return code

    for npk, wards in sorted(conv["DICT_PROVINCE_WARD_NO_DIVIDED"].items()):
        for wk, olds in sorted(wards.items()):
            ncode = resolve_new(npk, wk, "DICT_PROVINCE_WARD_NO_DIVIDED")
            if not olds:
                fault("Empty lists", f"new commune `{npk} / {wk}` has no old communes")
            for ok in olds:
                n_before = len(district_level)
                ocode = resolve_old(ok, npk, "DICT_PROVINCE_WARD_NO_DIVIDED")
                if len(district_level) > n_before:
                    district_level[-1][2] = ncode
                if ocode is None or ncode is None:
                    continue
                if targets[ocode]:
                    fault("Old commune listed more than once", f"{ocode} `{ok}`")
                targets[ocode][ncode] = True

    for npk, olds in sorted(conv["DICT_PROVINCE_WARD_DIVIDED"].items()):
        for ok, entries in sorted(olds.items()):
            ocode = resolve_old(ok, npk, "DICT_PROVINCE_WARD_DIVIDED")
            ndef = sum(1 for e in entries if e.get("isDefaultNewWard"))
            if ndef != 1:
                fault("Divided commune without exactly one default", f"`{ok}` has {ndef} defaults")
            resolved = []
            for e in entries:
                ncode = resolve_new(npk, e["newWardKey"], "DICT_PROVINCE_WARD_DIVIDED")
                if ncode is None:
                    continue
                c = communes[ncode]
                if (abs(float(c["lat"] or 0) - e["newWardLat"]) > 0.01 or abs(float(c["lon"] or 0) - e["newWardLon"]) > 0.01):
                    fault("Coordinates differ between JSON and CSV", f"`{npk} / {e['newWardKey']}` ({ncode})")
                resolved.append((ncode, bool(e.get("isDefaultNewWard")), e))
            if ocode is None:
                continue
            if targets[ocode]:
                fault("Old commune listed more than once", f"{ocode} `{ok}`")
            for ncode, isdef, e in resolved:
                if ncode in targets[ocode]:
                    fault("Duplicate targets", f"{ocode} -> {ncode} listed twice")
                targets[ocode][ncode] = isdef
            split_info[ocode] = (npk, resolved)

    # ---- cross-contamination between same-named old communes (divided section)
    def default_of(ocode):
        return next((n for n, d in targets[ocode].items() if d), None)

    siblings = collections.defaultdict(list)  # (new province, old commune name key) -> old codes
    for ocode in targets:
        ok = old_key_of[ocode]
        siblings[(communes[default_of(ocode)]["province_code"] if default_of(ocode) else None, ok.split("_")[2])].append(ocode)

    suspects = []  # (old, new, dist, ratio, sibling, action)
    for ocode, (npk, resolved) in sorted(split_info.items()):
        dflt = next((e for n, d, e in resolved if d), None)
        if dflt is None:
            continue
        pc = new_prov_by_key[npk]
        for ncode, isdef, e in resolved:
            if isdef:
                continue
            dist = km(dflt["newWardLat"], dflt["newWardLon"], e["newWardLat"], e["newWardLon"])
            ratio = dist / max(radius(dflt["newWardAreaKm2"]) + radius(e["newWardAreaKm2"]), 1e-9)
            if ratio <= SUSPECT_RATIO:
                continue
            sibs = [s for s in siblings[(pc, old_key_of[ocode].split("_")[2])] if s != ocode and ncode in targets[s]]
            if not sibs:
                continue
            owner = [s for s in sibs if targets[s].get(ncode)]
            if owner:
                suspects.append((ocode, ncode, dist, ratio, owner[0], "dropped"))
            else:
                suspects.append((ocode, ncode, dist, ratio, sibs[0], "kept"))
    for ocode, ncode, dist, ratio, sib, action in suspects:
        if action == "dropped":
            del targets[ocode][ncode]

    # ---- invariants for the mapping
    mapping_rows = []
    for ocode in sorted(targets):
        t = targets[ocode]
        if not t:
            continue
        if sum(1 for v in t.values() if v) != 1:
            errors.append(f"old commune {ocode} has {sum(1 for v in t.values() if v)} default rows")
        for ncode in sorted(t):
            mapping_rows.append((ocode, ncode, 1 if t[ncode] else 0))
    mapped = {o for o, t in targets.items() if t}
    no_mapping = sorted(set(legacy_comm) - mapped)

    # ---- write
    os.makedirs(out, exist_ok=True)
    write_csv(os.path.join(out, "provinces.csv"), ["code", "name", "kind", "lat", "lon"], prov_rows)
    write_csv(os.path.join(out, "communes.csv"), ["code", "province_code", "name", "kind", "lat", "lon", "area_km2"],
              [(c["code"], c["province_code"], c["name"], c["kind"], c["lat"], c["lon"], c["area"])
               for _, c in sorted(communes.items())])
    write_csv(os.path.join(out, "legacy-provinces.csv"), ["code", "name", "new_province_code"], legacy_prov_rows)
    write_csv(os.path.join(out, "legacy-districts.csv"), ["code", "province_code", "name", "kind"],
              [(dc, pc, dn, dt) for dc, (pc, dn, dt) in sorted(legacy_dist.items())])
    write_csv(os.path.join(out, "legacy-communes.csv"), ["code", "district_code", "province_code", "name", "kind"],
              [(c["code"], c["district_code"], c["province_code"], c["name"], c["kind"])
               for _, c in sorted(legacy_comm.items())])
    write_csv(os.path.join(out, "commune-mapping.csv"), ["old_commune_code", "new_commune_code", "is_default"], mapping_rows)
    write_csv(os.path.join(out, "suspect-splits.csv"),
              ["old_commune_code", "new_commune_code", "distance_km", "same_name_old_commune_code", "action"],
              [(o, n, f"{d:.1f}", s, a) for o, n, d, r, s, a in sorted(suspects)])

    unmatched.sort(key=lambda u: (u[1], u[0]))
    unmatched_path = os.path.join(out, "unmatched.txt")
    if len(unmatched) > UNMATCHED_INLINE_MAX:
        write_text(unmatched_path, "".join(f"{k}\t{s}\t{n}\n" for s, k, n in unmatched))
    elif os.path.exists(unmatched_path):
        os.remove(unmatched_path)

    stats = {
        "provinces": len(prov_rows),
        "communes": len(communes),
        "communes_by_kind": collections.Counter(c["kind"] for c in communes.values()),
        "legacy_provinces": len(legacy_prov_rows),
        "legacy_districts": len(legacy_dist),
        "legacy_communes": len(legacy_comm),
        "empty_districts": sorted(set(empty_districts)),
        "mapping_rows": len(mapping_rows),
        "mapped_old": len(mapped),
        "split_old": sum(1 for t in targets.values() if len(t) > 1),
        "split_src": len(split_info),
        "no_mapping": no_mapping,
        "unmatched": unmatched,
        "diacritic_keys": sorted(diacritic_keys, key=lambda x: (x[0], x[1])),
        "district_level": sorted(district_level),
        "suspects": sorted(suspects),
        "json_pairs": sum(len(l) for v in conv["DICT_PROVINCE_WARD_DIVIDED"].values() for l in v.values())
                      + sum(len(l) for v in conv["DICT_PROVINCE_WARD_NO_DIVIDED"].values() for l in v.values()),
    }
    write_text(os.path.join(out, "README.md"),
               readme(stats, faults, communes, legacy_comm, legacy_dist, provinces))

    if stats["provinces"] != EXPECTED_PROVINCES:
        errors.append(f"expected {EXPECTED_PROVINCES} provinces, got {stats['provinces']}")
    if stats["communes"] != EXPECTED_COMMUNES:
        errors.append(f"expected {EXPECTED_COMMUNES} communes, got {stats['communes']}")
    if stats["legacy_provinces"] != EXPECTED_LEGACY_PROVINCES:
        errors.append(f"expected {EXPECTED_LEGACY_PROVINCES} legacy provinces, got {stats['legacy_provinces']}")
    return stats, faults, errors


# ---------------------------------------------------------------- README

def readme(st, faults, communes, legacy_comm, legacy_dist, provinces):
    def cname(code):
        c = communes.get(code)
        return f"{code} {c['name']}" if c else str(code)

    def oname(code):
        c = legacy_comm.get(code)
        return f"{code} {c['name']} ({c['district_name']}, {c['province_name']})" if c else str(code)

    kinds = ", ".join(f"{k} {n}" for k, n in sorted(st["communes_by_kind"].items()))
    pct = 100.0 * st["mapped_old"] / st["legacy_communes"] if st["legacy_communes"] else 0.0
    L = []
    a = L.append
    a("# Administrative units of Vietnam (cleaned)\n")
    a("Generated by `tools/build_admin_units.py`; do not edit by hand. Rebuild from the repository root with\n")
    a("```sh\npython3 tools/build_admin_units.py\n```\n")
    a("It reads `shared/reference/admin-units/` (override with `--src DIR`) and rewrites this folder "
      "(`--out DIR`). Output is deterministic: UTF-8, NFC, LF line ends, a header row, rows sorted by code.\n")
    a("## Source\n")
    a("All files derive from the PyPI package **vietnamadminunits 1.0.4** (MIT license): its `dataset.db` "
      "(2025 and legacy units, coordinates, areas) and its `converter_2025.json` (old commune -> new commune). "
      "The codes themselves are official facts of the General Statistics Office (Tổng cục Thống kê); "
      "centroid coordinates and areas are the package's own figures. The 34-province structure is in force since 01/07/2025.\n")
    a("## Files\n")
    a("| file | rows | columns |\n|---|---:|---|")
    a(f"| `provinces.csv` | {st['provinces']} | `code` (2 digits), `name` (full official name, e.g. `Thành phố Hà Nội`), "
      f"`kind` (`Thành phố` or `Tỉnh`, from the name prefix), `lat`, `lon` (centroid, WGS84) |")
    a(f"| `communes.csv` | {st['communes']} | `code` (5 digits), `province_code`, `name`, `kind` (`Xã`, `Phường`, `Đặc khu`), "
      f"`lat`, `lon` (centroid), `area_km2` (may be empty) |")
    a(f"| `legacy-provinces.csv` | {st['legacy_provinces']} | `code`, `name`, `new_province_code` (the 2025 province it merged into) |")
    a(f"| `legacy-districts.csv` | {st['legacy_districts']} | `code` (3 digits), `province_code` (legacy), `name`, "
      f"`kind` (`Quận`, `Huyện`, `Thị xã`, `Thành phố`) |")
    a(f"| `legacy-communes.csv` | {st['legacy_communes']} | `code` (5 digits), `district_code`, `province_code` (legacy), `name`, "
      f"`kind` (`Xã`, `Phường`, `Thị trấn`) |")
    a(f"| `commune-mapping.csv` | {st['mapping_rows']} | `old_commune_code` (legacy), `new_commune_code` (2025), `is_default` (`1`/`0`) |")
    a(f"| `suspect-splits.csv` | {len(st['suspects'])} | `old_commune_code`, `new_commune_code`, `distance_km`, "
      f"`same_name_old_commune_code`, `action` (`dropped` or `kept`): see Source faults |")
    a("")
    a(f"2025 communes by kind: {kinds}. Legacy codes and 2025 codes are separate code spaces: the same 5-digit "
      "number may denote different units before and after the reform (a new commune usually keeps the code of one of "
      "the old communes it absorbed).\n")
    a("### commune-mapping.csv\n")
    a("One row per (old commune, new commune) pair. An old commune merged wholly into one new commune has a single row "
      "with `is_default=1`. An old commune divided between several new communes has one row per new commune, "
      "exactly one of them with `is_default=1` (the package's `isDefaultNewWard`: the new commune an address should go to "
      "when nothing else is known). Every mapped old commune has exactly one default row.\n")
    a(f"- source pairs: {st['json_pairs']} in the JSON; minus {len(st['district_level'])} district-level keys and "
      f"{sum(1 for s in st['suspects'] if s[5] == 'dropped')} dropped suspect pairs (see Source faults) = {st['mapping_rows']} rows;")
    a(f"- old communes mapped: **{st['mapped_old']} / {st['legacy_communes']} ({pct:.2f} %)**; "
      f"{st['split_old']} of them are divided between 2–5 new communes "
      f"({st['split_src']} in the source's divided section);")
    a(f"- old communes with no mapping: {len(st['no_mapping'])}" + (": " + ", ".join(oname(c) for c in st["no_mapping"]) if st["no_mapping"] else "") + ".")
    a("- Join method: the JSON is keyed by names, not codes. Keys are computed from the CSV names the way the package "
      "does (strip diacritics, `đ`→`d`, lowercase, drop spaces and punctuation; old key = "
      "`province_district_commune`, new key = commune key within its new province). Where two units' unaccented keys "
      "collide (same district before, same province after), the package uses the accented lowercase key instead, and "
      "so does the build. No mapping is inferred or invented: pairs come only from the JSON.\n")
    a("## Source faults\n")
    a("Problems found in the raw material, and how each was handled.\n")

    n = 1
    a(f"### {n}. Keys that failed to match: {len(st['unmatched'])}\n")
    if not st["unmatched"]:
        a("None.\n")
    elif len(st["unmatched"]) <= UNMATCHED_INLINE_MAX:
        for s, k, why in st["unmatched"]:
            a(f"- `{k}` ({s}): {why}")
        a("")
    else:
        a(f"{len(st['unmatched'])} keys; first examples below, full list in `unmatched.txt`.\n")
        for s, k, why in st["unmatched"][:10]:
            a(f"- `{k}` ({s}): {why}")
        a("")

    n += 1
    a(f"### {n}. District-level keys with an empty commune part: {len(st['district_level'])}\n")
    a("Island districts that had no communes before the reform (the legacy CSV has one row for each with an empty "
      "commune). The JSON maps the district as a whole (key ending in `_`). They cannot be expressed as commune rows, "
      "so `commune-mapping.csv` has no row for them; their target is given here:\n")
    for ok, dc, nc in st["district_level"]:
        dn = legacy_dist[dc][1] if dc in legacy_dist else "?"
        a(f"- `{ok}` = district {dc} {dn} → {cname(nc)}")
    a("")

    n += 1
    a(f"### {n}. Keys that contain diacritics: {len(st['diacritic_keys'])}\n")
    a("Not typos: the package keeps the accents when two names collide once unaccented (see next section). "
      "All of them were matched through the accented key:\n")
    olds = [(k, c) for t, k, c in st["diacritic_keys"] if t == "old"]
    news = [(k, c) for t, k, c in st["diacritic_keys"] if t == "new"]
    a(f"- old commune keys ({len(olds)}): " + ", ".join(f"`{k}`" for k, c in olds))
    a(f"- new commune keys ({len(news)}): " + ", ".join(f"`{k}`" for k, c in news))
    unres = [k for t, k, c in st["diacritic_keys"] if c is None]
    a(f"- unresolved: {len(unres)}" + (": " + ", ".join(unres) if unres else "") + "\n")

    n += 1
    dups = faults.get("Duplicate names (plain keys collide)", [])
    a(f"### {n}. Duplicate names (unaccented keys collide): {len(dups)} groups\n")
    a("Distinct units whose names differ only by diacritics within the scope where the key must be unique. "
      "Kept as distinct units (codes differ); joined through the accented key.\n")
    for line in dups:
        a(f"- {line}")
    a("")

    n += 1
    sus = st["suspects"]
    nd = sum(1 for s in sus if s[5] == "dropped")
    a(f"### {n}. Suspected cross-contamination in divided communes: {len(sus)} pairs ({nd} dropped, {len(sus) - nd} kept)\n")
    a("When two old communes with the same name (in different old districts or provinces) end up in the same new "
      "province, the package's divided section sometimes gives each of them the other's target as well "
      "(e.g. Phường 4 of Tây Ninh city and Phường 4 of Tân An city each get both Phường Tân Ninh and Phường Long An, "
      "91 km apart). A non-default pair is flagged when (a) its new commune is also a target of a same-named old commune "
      "in the same new province and (b) it lies more than "
      f"{SUSPECT_RATIO}× the sum of the two new communes' equivalent radii (√(area/π)) from the old commune's default target. "
      "If the new commune is the *default* target of that same-named commune, the pair is **dropped** from "
      "`commune-mapping.csv`; otherwise it is **kept** and only flagged. Defaults are never changed. "
      "All flagged pairs are in `suspect-splits.csv`:\n")
    for o, nn, d, r, s, act in sus:
        a(f"- {act}: {oname(o)} → {cname(nn)}, {d:.0f} km from its default; same-named {s}")
    a("")

    other = [(t, ls) for t, ls in faults.items() if t != "Duplicate names (plain keys collide)"]
    for t, ls in other:
        n += 1
        a(f"### {n}. {t}: {len(ls)}\n")
        for line in ls:
            a(f"- {line}")
        a("")

    n += 1
    a(f"### {n}. Centroids that disagree with the legacy data (not fixed)\n")
    a("A one-off cross-check against the old-commune centroids in the same package's `parser_legacy.json` "
      "(not part of this build; its old-key → code table agreed with this build's name join for all "
      "10,035 old communes) found new communes whose centroid in `communes.csv` is more than 20 km from every "
      "old commune merged wholly into them. Either side may be the wrong one (both are geocoded); `lat`/`lon` are "
      "kept as in the source. Treat them with care on maps: " + ", ".join(f"{c} {communes[c]['name']} ({d} km)" for c, d in COORD_SUSPECTS if c in communes) + ".\n")
    a("### Checked and found consistent\n")
    a("- every key of `DICT_PROVINCE` agrees with `provinces-2025-merger.csv`; every old key sits under its right new province;")
    a("- every new commune key resolves to exactly one 2025 commune, and all 3,321 2025 communes are the target of at least one old commune;")
    a("- coordinates and areas repeated in the divided section equal those in `communes-2025.csv`;")
    a("- each divided old commune has exactly one `isDefaultNewWard`; no old commune appears in both sections.")
    return "\n".join(L) + "\n"


# found with the package's parser_legacy.json (see README): (new commune code, min distance km)
COORD_SUSPECTS = [
    ("22736", 647), ("29983", 99), ("06757", 98), ("30130", 96), ("28615", 94), ("04924", 85),
    ("06967", 84), ("08296", 83), ("23538", 57), ("23535", 57), ("04714", 55), ("25162", 40),
    ("30781", 35), ("01456", 30), ("25135", 26), ("18409", 22), ("06172", 22), ("18919", 21),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--src", default=DEFAULT_SRC)
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()
    st, faults, errors = build(args.src, args.out)
    pct = 100.0 * st["mapped_old"] / st["legacy_communes"] if st["legacy_communes"] else 0.0
    print(f"provinces          {st['provinces']}")
    print(f"communes           {st['communes']}  ({', '.join(f'{k} {v}' for k, v in sorted(st['communes_by_kind'].items()))})")
    print(f"legacy provinces   {st['legacy_provinces']}")
    print(f"legacy districts   {st['legacy_districts']}  ({len(st['empty_districts'])} without communes)")
    print(f"legacy communes    {st['legacy_communes']}")
    print(f"mapping rows       {st['mapping_rows']}  (JSON pairs {st['json_pairs']})")
    print(f"old communes mapped {st['mapped_old']}/{st['legacy_communes']} ({pct:.2f} %), divided {st['split_old']}, unmapped {len(st['no_mapping'])}")
    print(f"unmatched keys     {len(st['unmatched'])}")
    print(f"district-level keys {len(st['district_level'])}")
    print(f"diacritic keys     {len(st['diacritic_keys'])}")
    print(f"suspect split pairs {len(st['suspects'])} (dropped {sum(1 for s in st['suspects'] if s[5] == 'dropped')})")
    for e in errors:
        print(f"ERROR: {e}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
