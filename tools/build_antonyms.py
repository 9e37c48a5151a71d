"""Build ``citewatch/data/antonyms.tsv``, ``irregular.tsv``, ``synonyms.txt`` and ``first_senses.txt`` from WordNet 3.0 (Debian's ``wordnet-base`` package).

    apt-get install wordnet-base && python tools/build_antonyms.py

Keeps WordNet's direct antonym pairs of adjectives and verbs, with the irregular forms of its exception lists, ("!" pointers) of adjectives, verbs and nouns whose two words
are single words ("win"/"lose", "rise"/"fall", "open"/"close"), one pair per line. The file ships
with citewatch, so nothing is installed at run time; WordNet's licence is in
``citewatch/data/WORDNET-LICENSE``.
"""

from __future__ import annotations

import sys
from pathlib import Path

WORDNET = Path("/usr/share/wordnet")
OUT = Path(__file__).resolve().parent.parent / "citewatch" / "data" / "antonyms.tsv"
IRREGULAR = OUT.with_name("irregular.tsv")  # "won" -> "win", "fell" -> "fall"
SYNONYMS = OUT.with_name("synonyms.txt")  # one synset of single words per line: "rise increase"
FIRST_SENSES = OUT.with_name("first_senses.txt")  # a word, then the words of its most frequent sense


def synsets(part: str) -> dict[str, tuple[list[str], list[tuple[str, str, str, str]]]]:
    found = {}
    for line in (WORDNET / f"data.{part}").read_text(encoding="latin-1").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split(" | ")[0].split()
        offset, count = fields[0], int(fields[3], 16)
        words = [fields[4 + 2 * i].lower() for i in range(count)]
        position = 4 + 2 * count
        pointers = []
        for i in range(int(fields[position])):
            symbol, target, target_part, source_target = fields[position + 1 + 4 * i : position + 5 + 4 * i]
            pointers.append((symbol, target, target_part, source_target))
        found[offset] = (words, pointers)
    return found


def satellite_synsets() -> set[str]:
    """Offsets of the adjective synsets that are satellites of a head ("greenish" of "chromatic")."""
    lines = (WORDNET / "data.adj").read_text(encoding="latin-1").splitlines()
    return {fields[0] for fields in (line.split() for line in lines if not line.startswith(" ")) if fields[2] == "s"}


def main() -> int:
    parts = {"adj": "a", "verb": "v", "noun": "n", "adv": "r"}
    tables = {tag: synsets(part) for part, tag in parts.items()}
    tables["s"] = tables["a"]
    pairs: set[tuple[str, str]] = set()
    for tag in ("a", "v"):  # nouns ("day"/"night", "king"/"queen") and adverbs are another thing, not the opposite
        for words, pointers in tables[tag].values():
            for symbol, target, target_part, source_target in pointers:
                if symbol != "!":
                    continue
                source_word = words[int(source_target[:2], 16) - 1]
                target_word = tables[target_part][target][0][int(source_target[2:], 16) - 1]
                source_word, target_word = (w.split("(")[0] for w in (source_word, target_word))
                if "_" in source_word or "_" in target_word or "-" in source_word + target_word:
                    continue
                pairs.add(tuple(sorted((source_word, target_word))))
    forms: dict[str, set[str]] = {}  # irregular forms: "won" for "win", "fell" for "fall"
    for part in ("verb", "adj"):
        for line in (WORDNET / f"{part}.exc").read_text(encoding="latin-1").splitlines():
            form, *lemmas = line.split()
            for lemma in lemmas:
                forms.setdefault(lemma, set()).add(form)
    lines = set()
    for a, b in pairs:
        for left in {a} | forms.get(a, set()):
            for right in {b} | forms.get(b, set()):
                if "_" not in left + right:
                    lines.add(tuple(sorted((left, right))))
    OUT.write_text("".join(f"{a}\t{b}\n" for a, b in sorted(lines)), encoding="utf-8")
    irregular = sorted((form, lemma) for lemma, found in forms.items() for form in found if "_" not in form + lemma)
    IRREGULAR.write_text("".join(f"{form}\t{lemma}\n" for form, lemma in irregular), encoding="utf-8")
    synonym_lines = set()
    satellites = satellite_synsets()
    for tag in ("a", "v", "n"):
        for offset, (words, pointers) in tables[tag].items():
            # a verb with its direct hypernym ("plunge" is a way to "fall"), a satellite adjective with
            # the head it is similar to ("greenish" with "green"): the same event or quality told in
            # another word; not a head with all its satellites, which are siblings ("chromatic" with
            # "green" and "yellow": another colour is no paraphrase); nouns only as synonyms
            related = [tables[part][target][0] for symbol, target, part, _ in pointers
                       if (tag == "v" and symbol == "@") or (tag == "a" and symbol == "&" and offset in satellites)]
            single = sorted({w.split("(")[0] for w in words + sum(related, []) if "_" not in w and "-" not in w})
            if len(single) >= 2:
                synonym_lines.add(" ".join(single))
    SYNONYMS.write_text("".join(f"{line}\n" for line in sorted(synonym_lines)), encoding="utf-8")
    first = first_senses(tables)
    FIRST_SENSES.write_text("".join(f"{word} {' '.join(sorted(others))}\n" for word, others in sorted(first.items())),
                            encoding="utf-8")
    print(f"{len(pairs)} pairs -> {OUT}; {len(synonym_lines)} synsets -> {SYNONYMS}; {len(first)} words -> {FIRST_SENSES}")
    return 0


def first_senses(tables: dict) -> dict[str, set[str]]:
    """Each single word with the other words of its most frequent sense, per part of speech
    (WordNet's index files list a word's synsets most frequent first): "earn" with "gain", "make",
    "realize"; not "look" with "expect" (a rarer sense)."""
    found: dict[str, set[str]] = {}
    for part, tag in (("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r")):
        for line in (WORDNET / f"index.{part}").read_text(encoding="latin-1").splitlines():
            if line.startswith(" "):
                continue
            fields = line.split()
            lemma, pointer_count = fields[0], int(fields[3])
            offsets = fields[4 + pointer_count + 2 :]
            if "_" in lemma or "-" in lemma or not offsets:
                continue
            words, _ = tables[tag][offsets[0]]
            others = {w.split("(")[0] for w in words} - {lemma}
            others = {w for w in others if "_" not in w and "-" not in w}
            if others:
                found.setdefault(lemma, set()).update(others)
    return found


if __name__ == "__main__":
    sys.exit(main())
