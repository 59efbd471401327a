"""Reading scenario files: YAML (safe_load only), `extends:` overlays, schema validation.

Overlays merge block by block: maps (commodities, regions, processes) by key, lists by `id`
(an item with the id of a base item replaces the fields it names; `remove: true` deletes it),
everything else is replaced. Problems are reported against the file that introduced the item.
"""

from __future__ import annotations

import copy
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rareflow.errors import MAX_PROBLEMS, Problem, ScenarioError
from rareflow.scenario.schema import Scenario
from rareflow.scenario.validate import check_references, schema_problems

SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class UniqueKeyLoader(SAFE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader (plain data only; `!!python/…` tags are refused by its constructor),
    which also notes every key written twice in one mapping: YAML would keep the last one
    silently, so a second `regions:` block would replace the first."""

    def __init__(self, stream) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int, int]] = []  # (key, first line, second line)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(
                        key_node, yaml.ScalarNode):
                    continue  # `<<:` merges may be overridden; complex keys are refused later
                key = self.construct_object(key_node)
                line = key_node.start_mark.line + 1
                try:
                    if key in seen:
                        self.duplicates.append((str(key), seen[key], line))
                    else:
                        seen[key] = line
                except TypeError:  # an unhashable key: the constructor refuses it
                    continue
        return super().construct_mapping(node, deep=deep)
MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 40
MAX_NODES = 2_000_000
MAX_CHAIN = 64  # files in one `extends` chain; real ones have two or three
MAX_NAME = 1024  # characters in a scenario name or path
LIST_BLOCKS = ("facilities", "routes", "stocks", "demands", "candidates", "policies", "events")
MAP_BLOCKS = ("commodities", "regions", "processes", "sources")


def builtin_dir() -> Path:
    return Path(str(resources.files("rareflow") / "data" / "scenarios"))


def builtin_names() -> list[str]:
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def resolve(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    text = str(name_or_path)
    if len(text) > MAX_NAME or "\x00" in text:
        shown = f"{text[:40]}…" if len(text) > 40 else text
        raise ScenarioError([Problem(
            "", f"'{shown}' is not a scenario name or path ({len(text):,} characters"
            f"{', with a NUL byte' if chr(0) in text else ''})",
            f"give a built-in scenario name or a path under {MAX_NAME} characters",
            file=text[:80])])
    p = Path(name_or_path)
    candidates = []
    if relative_to is not None and not p.is_absolute():
        candidates.append(relative_to / p)
    candidates.append(p)
    if p.suffix == "" and p.name:
        candidates.append(builtin_dir() / f"{p.name}.yaml")
    for c in candidates:
        try:
            if c.is_file():
                return c
        except OSError:  # a part of it over the file system's name limit, and the like
            continue
    known = ", ".join(builtin_names())
    raise ScenarioError([Problem(
        "", f"no scenario file or built-in scenario named '{name_or_path}'",
        f"give a path to a YAML file or one of the built-in scenarios: {known}",
        file=str(name_or_path))])


def _check_shape(data: Any, file: str) -> None:
    """Refuse pathological YAML (deep nesting, alias bombs) before anything walks it."""
    seen = 0
    stack = [(data, 0)]
    while stack:
        node, depth = stack.pop()
        seen += 1
        if depth > MAX_DEPTH:
            raise ScenarioError([Problem("", f"nesting deeper than {MAX_DEPTH} levels",
                                         "flatten the file; scenario files are a few levels deep",
                                         file)])
        if seen > MAX_NODES:
            raise ScenarioError([Problem("", f"more than {MAX_NODES:,} values (an alias bomb?)",
                                         "remove repeated YAML aliases; write the data out", file)])
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
            stack.extend((k, depth + 1) for k in node if isinstance(k, tuple))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def read_yaml(path: Path) -> dict:
    f = str(path)
    try:
        size = path.stat().st_size
    except OSError as e:
        raise ScenarioError([Problem("", f"cannot read the file ({e.strerror})",
                                     "check the path and permissions", f)]) from None
    if size > MAX_BYTES:
        raise ScenarioError([Problem("", f"file is {size / 1e6:.1f} MB, over the "
                                     f"{MAX_BYTES // 2**20} MB limit",
                                     "split the data or trim it", f)])
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ScenarioError([Problem("", f"not UTF-8 text (bad byte at offset {e.start})",
                                     "save the file as UTF-8", f)]) from None
    return parse_yaml(text, f)


def parse_yaml(text: str, file: str = "<text>") -> dict:
    data = safe_yaml(text, file)
    if data is None:
        raise ScenarioError([Problem("", "the file is empty",
                                     "write a scenario: at least name and periods", file)])
    if not isinstance(data, dict):
        raise ScenarioError([Problem("", f"the top level is a {type(data).__name__}, not a mapping",
                                     "start the file with keys such as 'name:' and 'periods:'",
                                     file)])
    _check_shape(data, file)
    return data


def safe_yaml(text: str, file: str = "<text>"):
    """The plain data of a YAML text (safe loading, libyaml where PyYAML has it), or
    ScenarioError naming the line of a syntax error, of a nesting too deep, or of both lines of
    a key given twice in one mapping. Scenario files and the levers file are read through here."""
    loader = UniqueKeyLoader(text)
    try:
        # the safe loader, in libyaml's C build where PyYAML has it (10× faster on the world
        # dataset); same constructors as yaml.safe_load: plain data only, no Python objects
        data = loader.get_single_data()
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ScenarioError([Problem(where, f"invalid YAML: {what}",
                                     "fix the YAML syntax at that line", file)]) from None
    except RecursionError:
        raise ScenarioError([Problem("", "YAML nested too deeply", "flatten the file", file)]) from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ScenarioError([Problem(
            f"line {second}", f"the key '{key[:60]}' appears twice in one mapping ("
            + (f"line {first} and line {second}" if first != second else f"both on line {first}")
            + "); YAML would keep only the second silently",
            "merge the two into one entry, or rename one of them", file)
            for key, first, second in loader.duplicates])
    return data


def _item_id(block: str, item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    if item.get("id"):
        return str(item["id"])
    if block == "routes" and {"from", "to", "commodity"} <= item.keys():
        return f"{item['from']}-{item['to']}-{item['commodity']}"
    if block == "stocks" and {"region", "commodity"} <= item.keys():
        return f"{item['region']}-{item['commodity']}"
    if block == "demands" and {"region", "commodity", "sector"} <= item.keys():
        return f"{item['region']}-{item['commodity']}-{item['sector']}"
    return None


def merge(base: dict, over: dict, origins: dict, file: str) -> dict:
    """Overlay `over` on `base`; `origins` maps (block, key) → the file that set it last."""
    out = copy.deepcopy(base)
    for key, val in over.items():
        if key == "extends":
            continue
        if key in MAP_BLOCKS and isinstance(val, dict) and isinstance(out.get(key), dict):
            for k, v in val.items():
                if isinstance(v, dict) and v.get("remove") is True:
                    out[key].pop(k, None)
                    continue
                out[key][k] = v
                origins[(key, str(k))] = file
        elif key in LIST_BLOCKS and isinstance(val, list) and isinstance(out.get(key), list):
            items = out[key]
            index = {_item_id(key, it): i for i, it in enumerate(items) if _item_id(key, it)}
            drop = set()
            for it in val:
                iid = _item_id(key, it)
                if iid is not None and iid in index:
                    i = index[iid]
                    if it.get("remove") is True:
                        drop.add(i)
                    else:
                        items[i] = {**items[i], **it}
                else:
                    index[iid] = len(items)
                    items.append(it)
                origins[(key, iid)] = file
            out[key] = [it for i, it in enumerate(items) if i not in drop]
        else:
            out[key] = val
            if key in MAP_BLOCKS and isinstance(val, dict):
                for k in val:
                    origins[(key, str(k))] = file
            if key in LIST_BLOCKS and isinstance(val, list):
                for it in val:
                    origins[(key, _item_id(key, it))] = file
    return out


def item_id(block: str, item: Any) -> str | None:
    """The id an overlay matches a list item of `block` by: its `id`, or for routes, stocks and
    demands without one the fields that name them (`IND-JPN-ndpr_oxide`). None for a non-item."""
    return _item_id(block, item)


def overlay(base: dict, over: Any, file: str = "<overrides>", origins: dict | None = None) -> dict:
    """`base` (a raw scenario mapping) with the overlay `over` laid on it: the merge `extends:`
    uses (maps by key, lists by `item_id`, `remove: true` deletes an item, anything else
    replaced). `over` is checked for shape first; `origins`, if given, records `file` as the
    origin of each item it sets, so later problems name it. `base` is not changed."""
    if not isinstance(over, dict):
        raise ScenarioError([Problem("", "an overlay must be a mapping shaped like a scenario",
                                     "send an object such as {\"facilities\": [...]}", file)])
    _check_shape(over, file)
    return merge(base, over, {} if origins is None else origins, file)


def combine_overlays(*overlays: dict) -> dict:
    """One overlay equal to laying `overlays` in turn: list blocks concatenated (laid by
    `overlay`, later items still meet earlier ones by id), map blocks merged key by key, any
    other key the last one's. The parts are not changed."""
    out: dict = {}
    for part in overlays:
        for k, v in part.items():
            if k in LIST_BLOCKS and isinstance(v, list) and isinstance(out.get(k, []), list):
                out[k] = [*out.get(k, []), *copy.deepcopy(v)]
            elif k in MAP_BLOCKS and isinstance(v, dict) and isinstance(out.get(k, {}), dict):
                out[k] = {**out.get(k, {}), **copy.deepcopy(v)}
            else:
                out[k] = copy.deepcopy(v)
    return out


def load_raw(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict, dict, list[str]]:
    """The merged raw dict, the origin of each item, and the files in the `extends` chain.

    The chain is followed in a loop (not by recursion), at most MAX_CHAIN files deep, so a
    long chain gets a message about the chain, not about the YAML of whichever file the
    interpreter's stack ran out in."""
    path = path.resolve()
    walked = list(chain)
    seen = set(walked)
    layers: list[tuple[Path, dict]] = []  # the scenario first, its base last
    while True:
        if path in seen:
            cycle = " → ".join(p.name for p in (*walked, path))
            raise ScenarioError([Problem("extends", f"'extends' forms a cycle: {cycle}",
                                         "make one of these files stop extending the others",
                                         str(walked[0]))])
        if len(walked) >= MAX_CHAIN:
            raise ScenarioError([Problem(
                "extends", f"the 'extends' chain is longer than {MAX_CHAIN} files "
                f"({walked[0].name} → {walked[1].name} → … → {walked[-1].name})",
                "extend a scenario with a shorter chain: merge some of these files into one",
                str(walked[0]))])
        data = read_yaml(path)
        layers.append((path, data))
        walked.append(path)
        seen.add(path)
        ext = data.get("extends")
        if ext is None:
            break
        if not isinstance(ext, str):
            raise ScenarioError([Problem("extends", "must be the name or path of a scenario",
                                         "write e.g. 'extends: baseline-2024'", str(path))])
        try:
            path = resolve(ext, path.parent).resolve()
        except ScenarioError as e:
            raise ScenarioError([Problem("extends", e.problems[0].message, e.problems[0].fix,
                                         str(path))]) from None
        except OSError as e:
            raise ScenarioError([Problem("extends", f"cannot use '{ext[:60]}' ({e.strerror})",
                                         "give the name or path of a scenario file",
                                         str(path))]) from None
    origins: dict = {}
    merged: dict = {}
    for p, data in reversed(layers):
        merged = merge(merged, data, origins, str(p))
    return merged, origins, [str(p) for p, _ in reversed(layers)]


def _origin_of(loc: tuple, raw: dict, origins: dict, default: str) -> str:
    if len(loc) >= 2 and loc[0] in LIST_BLOCKS and isinstance(loc[1], int):
        items = raw.get(loc[0])
        if isinstance(items, list) and loc[1] < len(items):
            return origins.get((loc[0], _item_id(loc[0], items[loc[1]])), default)
    if len(loc) >= 2 and loc[0] in MAP_BLOCKS:
        return origins.get((loc[0], str(loc[1])), default)
    return default


def from_dict(raw: dict, file: str = "<dict>", origins: dict | None = None) -> Scenario:
    """Validate a raw mapping (already merged) into a Scenario, or raise every problem at once."""
    origins = origins or {}
    try:
        scn = Scenario.model_validate(raw)
    except ValidationError as e:
        probs, more = schema_problems(e, Scenario, MAX_PROBLEMS)
        out = [Problem(p.path, p.message, p.fix, _origin_of(loc, raw, origins, file))
               for p, loc in probs]
        if not more:  # with more than a screenful already, the references can wait
            told = {p.path for p in out}
            out += [Problem(p.path, p.message, p.fix, p.file or file)
                    for p in _references_despite(raw, [loc for _, loc in probs])
                    if p.path not in told]
        raise ScenarioError(out, more=more) from None
    problems = check_references(scn)
    if problems:
        raise ScenarioError([
            Problem(p.path, p.message, p.fix, p.file or file) for p in problems
        ])
    return scn


def _references_despite(raw: dict, locs: list[tuple]) -> list[Problem]:
    """Reference problems of the items that did pass the schema, so that one run of `validate`
    lists a misspelt key and an unknown region together.

    Items with schema errors are set aside (list items dropped, map entries emptied), the rest is
    validated again and checked; paths are mapped back to the original positions, and nothing
    is said about an item that was set aside. Any doubt (a top-level field is wrong, the reduced
    scenario still fails) and no reference problems are added.
    """
    drop: dict[str, set[int]] = {}
    empty: dict[str, set[str]] = {}
    for loc in locs:
        if len(loc) < 2:
            return []
        block, key = loc[0], loc[1]
        if block in LIST_BLOCKS and isinstance(key, int):
            drop.setdefault(block, set()).add(key)
        elif block in MAP_BLOCKS and isinstance(key, str):
            empty.setdefault(block, set()).add(key)
        else:
            return []
    trimmed = copy.deepcopy(raw)
    back: dict[str, list[int]] = {}
    for block, bad in drop.items():
        items = trimmed.get(block)
        if not isinstance(items, list):
            return []
        back[block] = [i for i in range(len(items)) if i not in bad]
        trimmed[block] = [items[i] for i in back[block]]
    for block, keys in empty.items():
        if not isinstance(trimmed.get(block), dict):
            return []
        for k in keys:
            trimmed[block][k] = {"outputs": {}} if block == "processes" else {}
    try:
        scn = Scenario.model_validate(trimmed)
        found = check_references(scn)
    except (ValidationError, ValueError, TypeError, KeyError):
        return []
    out = []
    emptied = {f"{b}.{k}" for b, ks in empty.items() for k in ks}
    for p in found:
        m = re.match(r"^(\w+)\[(\d+)\](.*)$", p.path)
        if m and m.group(1) in back:
            p = Problem(f"{m.group(1)}[{back[m.group(1)][int(m.group(2))]}]{m.group(3)}",
                        p.message, p.fix, p.file)
        head = p.path.split(".")[0]
        parts = p.path.split(".")
        if head in empty or any(".".join(parts[:i]) in emptied for i in range(2, len(parts) + 1)):
            continue  # the emptied entry's own checks
        out.append(p)
    return out


def load_scenario(name_or_path: str | Path, overrides: dict | None = None
                  ) -> tuple[Scenario, list[str]]:
    path = resolve(name_or_path)
    raw, origins, files = load_raw(path)
    if overrides:
        if not isinstance(overrides, dict):
            raise ScenarioError([Problem("", "overrides must be a mapping shaped like a scenario",
                                         "send an object such as {\"facilities\": [...]}",
                                         "<overrides>")])
        _check_shape(overrides, "<overrides>")
        raw = merge(raw, overrides, origins, "<overrides>")
        files = [*files, "<overrides>"]
    raw.pop("extends", None)
    return from_dict(raw, files[-1], origins), files
