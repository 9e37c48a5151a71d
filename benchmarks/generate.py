"""Write a benchmark registry and the manifest of the web that backs it.

``generate(sources=S, hosts=H, port=P, out_dir=D)`` writes, in ``D``:

- ``bench.yaml``: a registry (the format of docs/registry.md) of claims with 1–3 sources each, S sources in all,
  spread evenly over H hosts (127.0.0.1 … on port P), every claim with explicit facts;
- ``bench.txt``: the document; each claim's text is a verbatim span of it;
- ``manifest.json``: every page the web farm serves (kind, seed, size, the claim it talks about
  and whether it supports, contradicts or ignores it), the expected verdict of each source, and
  the URL list in registry order (also written to ``urls.txt`` for wget).

Command line: ``python -m benchmarks.generate --sources 200 --hosts 20 --port 8400 --out D``.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import random
from dataclasses import dataclass
from pathlib import Path

from benchmarks.pages import _filler_sentences, make_claim

# Shares of page kinds and stances among sources (the rest are plain articles / supporting).
KIND_SHARES = {"pdf": 0.05, "redirect": 0.07, "gone": 0.04, "slow": 0.03}
STANCE_SHARES = {"contradicts": 0.15, "silent": 0.15}
SLOW_EXTRA_DELAY = 2.0  # seconds on top of the farm's latency
EXPECTED = {"supports": "supported", "contradicts": "contradicted", "silent": "not_found"}


def host_address(index: int) -> str:
    """The index-th benchmark host: 127.0.0.1, 127.0.0.2, … (skipping .0 and .255 past 254)."""
    address = ipaddress.IPv4Address("127.0.0.1")
    step = index + index // 254 * 2  # jump over x.x.x.255 and x.x.x.0
    return str(address + step)


@dataclass
class Generated:
    registry: Path
    document: Path
    manifest: Path
    urls: Path
    sources: int
    hosts: int
    claims: int


def _pick(rng: random.Random, shares: dict[str, float], default: str) -> str:
    roll = rng.random()
    for name, share in shares.items():
        if roll < share:
            return name
        roll -= share
    return default


def _host_slots(sources: int, hosts: int, rng: random.Random) -> list[int]:
    """Host index per source: every host gets ⌊S/H⌋ or ⌈S/H⌉ sources, in random order."""
    slots = [i % hosts for i in range(sources)]
    rng.shuffle(slots)
    return slots


def _page_spec(rng: random.Random, claim: dict, kind: str, stance: str, seed: int) -> dict:
    return {"kind": kind, "seed": seed, "size": rng.randint(50_000, 300_000),
            "claim": {"template": claim["template"], "values": claim["values"]},
            "stance": stance, "delay": SLOW_EXTRA_DELAY if kind == "slow" else 0.0}


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _registry_yaml(doc_id: str, claims: list[dict], document_file: str) -> str:
    lines = ["document:", f"  id: {doc_id}", f"  title: {_yaml_string('Benchmark document')}",
             f"  text: {document_file}", "claims:"]
    for claim in claims:
        lines += [f"  - id: {claim['id']}", f"    text: {_yaml_string(claim['text'])}",
                  f"    section: {_yaml_string(claim['section'])}", "    facts:"]
        lines += [f"      - {json.dumps(fact)}" for fact in claim["facts"]]
        lines.append("    sources:")
        for source in claim["sources"]:
            lines += [f"      - url: {source['url']}",
                      f"        publisher: {_yaml_string(source['publisher'])}"]
    return "\n".join(lines) + "\n"


def _document(claims: list[dict], rng: random.Random) -> str:
    pool = _filler_sentences()
    out = ["= Benchmark document =", ""]
    section = None
    for claim in claims:
        if claim["section"] != section:
            section = claim["section"]
            out += [f"== {section} ==", ""]
        out += [f"According to reports, {claim['text']}. {rng.choice(pool)}", ""]
    return "\n".join(out)


def generate(sources: int, hosts: int, port: int, out_dir: Path, seed: int = 0) -> Generated:
    if sources < 1 or hosts < 1:
        raise ValueError("need at least one source and one host")
    hosts = min(hosts, sources)
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    slots = _host_slots(sources, hosts, rng)
    host_names = [host_address(i) for i in range(hosts)]
    pages: dict[str, dict[str, dict]] = {h: {} for h in host_names}
    expected: dict[str, str] = {}
    urls: list[str] = []
    claims: list[dict] = []
    while len(urls) < sources:
        claim = make_claim(rng)
        index = len(claims)
        claim.update(id=f"c{index:05d}-{claim['template']}", section=f"Part {index // 25 + 1}",
                     sources=[])
        for _ in range(min(rng.randint(1, 3), sources - len(urls))):
            number = len(urls)
            host = host_names[slots[number]]
            kind = "article" if sources == 1 else _pick(rng, KIND_SHARES, "article")
            stance = "supports" if sources == 1 else _pick(rng, STANCE_SHARES, "supports")
            spec = _page_spec(rng, claim, "article" if kind == "redirect" else kind, stance, number)
            slug = claim["template"]
            if kind == "redirect":
                final = f"/news/{slug}-{number}.html"
                pages[host][final] = spec
                path = f"/r/{number}"
                pages[host][path] = {"kind": "redirect", "target": final, "seed": number}
            else:
                path = f"/reports/{slug}-{number}.pdf" if kind == "pdf" else f"/news/{slug}-{number}.html"
                pages[host][path] = spec
            url = f"http://{host}:{port}{path}"
            urls.append(url)
            expected[url] = "unverifiable" if kind == "gone" else EXPECTED[stance]
            claim["sources"].append({"url": url, "publisher": f"Host {host}"})
        claims.append(claim)
    document = out_dir / "bench.txt"
    document.write_text(_document(claims, rng), encoding="utf-8")
    registry = out_dir / "bench.yaml"
    registry.write_text(_registry_yaml("bench", claims, document.name), encoding="utf-8")
    manifest = out_dir / "manifest.json"
    manifest.write_text(json.dumps({"port": port, "hosts": host_names, "pages": pages,
                                    "expected": expected, "urls": urls}), encoding="utf-8")
    url_list = out_dir / "urls.txt"
    url_list.write_text("\n".join(urls) + "\n", encoding="utf-8")
    return Generated(registry, document, manifest, url_list, len(urls), hosts, len(claims))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, required=True)
    parser.add_argument("--hosts", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    made = generate(args.sources, args.hosts, args.port, args.out, args.seed)
    print(f"{made.registry}: {made.claims} claims, {made.sources} sources over {made.hosts} hosts")


if __name__ == "__main__":
    main()
