"""Location text -> country, against a table worked out by hand.

Each row is a location string in a shape real GitHub profiles use, with the ISO 3166-1 alpha-2
country a person reading it would give, or None where a person could not tell (no place, a
region, two countries, a city name several countries share without one clearly the biggest).
The geocoder must agree with at least 95% of the rows and must never name a country where
the table says None: a wrong country is worse than an unknown one, which the coverage shows.
"""

import pytest

from ecometrics.analysis.geocode import geocode

# (location as typed, expected country or None). Worked out by hand, not by running the code.
TABLE: list[tuple[str | None, str | None]] = [
    # -- empty and not places
    (None, None),
    ("", None),
    ("   ", None),
    ("Earth", None),
    ("Planet Earth", None),
    ("earth", None),
    ("The Internet", None),
    ("Internet", None),
    ("Remote", None),
    ("remote", None),
    ("Worldwide", None),
    ("Everywhere", None),
    ("localhost", None),
    ("127.0.0.1", None),
    ("~", None),
    ("/dev/null", None),
    ("Milky Way", None),
    ("Mars", None),
    ("Somewhere", None),
    ("N/A", None),
    ("Home", None),
    ("https://example.com", None),
    ("http://blog.example.org/about", None),
    ("www.example.dev", None),
    # -- regions, not countries
    ("Europe", None),
    ("Asia", None),
    ("EU", None),
    ("Latin America", None),
    ("Scandinavia", None),
    # -- two countries or a city shared by several
    ("Beijing / San Francisco", None),
    ("Berlin & London", None),
    ("USA / China", None),
    ("🇺🇸 🇨🇳", None),
    ("Cambridge", None),
    ("Georgia", None),
    ("Valencia", None),
    ("Springfield", "US"),  # several cities, every one of them in the United States
    ("Remote / Berlin / Tokyo", None),
    ("Paris or London", None),
    ("NYC + Paris", None),  # a Paris in Texas does not make this one country
    # -- countries by name, code, and other languages
    ("China", "CN"),
    ("china", "CN"),
    ("P.R.China", "CN"),
    ("PRC", "CN"),
    ("People's Republic of China", "CN"),
    ("USA", "US"),
    ("U.S.A.", "US"),
    ("United States", "US"),
    ("United States of America", "US"),
    ("US", "US"),
    ("UK", "GB"),
    ("United Kingdom", "GB"),
    ("England", "GB"),
    ("Scotland", "GB"),
    ("Germany", "DE"),
    ("Deutschland", "DE"),
    ("France", "FR"),
    ("India", "IN"),
    ("Japan", "JP"),
    ("South Korea", "KR"),
    ("Korea", "KR"),
    ("Republic of Korea", "KR"),
    ("Russia", "RU"),
    ("Russian Federation", "RU"),
    ("Brazil", "BR"),
    ("Brasil", "BR"),
    ("Canada", "CA"),
    ("Australia", "AU"),
    ("Netherlands", "NL"),
    ("The Netherlands", "NL"),
    ("Taiwan", "TW"),
    ("Hong Kong", "HK"),
    ("Vietnam", "VN"),
    ("Viet Nam", "VN"),
    ("Iran", "IR"),
    ("Turkey", "TR"),
    ("Türkiye", "TR"),
    ("Switzerland", "CH"),
    ("España", "ES"),
    ("Singapore", "SG"),
    ("Nigeria", "NG"),
    ("Czech Republic", "CZ"),
    ("Czechia", "CZ"),
    ("Ukraine", "UA"),
    ("Poland", "PL"),
    ("Israel", "IL"),
    ("Indonesia", "ID"),
    ("Egypt", "EG"),
    ("Mexico", "MX"),
    # -- emoji flags
    ("🇨🇳", "CN"),
    ("🇩🇪", "DE"),
    ("🇺🇸", "US"),
    ("Berlin 🇩🇪", "DE"),
    ("🇫🇷 Paris", "FR"),
    ("🇮🇳 India", "IN"),
    ("🌍", None),
    ("🇬🇧 London", "GB"),
    # -- Chinese, Japanese, Korean and Cyrillic script
    ("中国", "CN"),
    ("北京", "CN"),
    ("上海", "CN"),
    ("中国北京", "CN"),
    ("北京市海淀区", "CN"),
    ("杭州", "CN"),
    ("深圳", "CN"),
    ("中国 上海", "CN"),
    ("广州", "CN"),
    ("成都", "CN"),
    ("东京", "JP"),
    ("東京", "JP"),
    ("日本", "JP"),
    ("서울", "KR"),
    ("Москва", "RU"),
    ("台北", "TW"),
    # -- cities alone
    ("Beijing", "CN"),
    ("Shanghai", "CN"),
    ("Hangzhou", "CN"),
    ("Shenzhen", "CN"),
    ("Bangalore", "IN"),
    ("Bengaluru", "IN"),
    ("Berlin", "DE"),
    ("London", "GB"),
    ("Paris", "FR"),
    ("Tokyo", "JP"),
    ("Seoul", "KR"),
    ("Moscow", "RU"),
    ("San Francisco", "US"),
    ("New York", "US"),
    ("NYC", "US"),
    ("New York City", "US"),
    ("Seattle", "US"),
    ("Toronto", "CA"),
    ("Munich", "DE"),
    ("München", "DE"),
    ("Amsterdam", "NL"),
    ("Stockholm", "SE"),
    ("Zurich", "CH"),
    ("Zürich", "CH"),
    ("Sydney", "AU"),
    ("Istanbul", "TR"),
    ("São Paulo", "BR"),
    ("Sao Paulo", "BR"),
    ("Lagos", "NG"),  # also a town in Portugal, a few hundred times smaller
    ("Nairobi", "KE"),
    ("Tehran", "IR"),
    ("Hyderabad", None),  # India's and Pakistan's Hyderabad are both millions
    ("Kyiv", "UA"),
    ("Warsaw", "PL"),
    ("Tel Aviv", "IL"),
    ("Dublin", "IE"),  # also towns in California and Ohio, twenty times smaller
    ("Mountain View", "US"),
    ("Palo Alto", "US"),
    ("Redmond", "US"),
    # -- city, state / region, country
    ("Seattle, WA", "US"),
    ("Austin, TX", "US"),
    ("Portland, OR", "US"),
    ("Paris, TX", "US"),
    ("San Francisco, CA", "US"),
    ("Mountain View, CA", "US"),
    ("Boston, MA", "US"),
    ("Menlo Park, CA", "US"),
    ("Santa Clara, CA", "US"),
    ("Redmond, WA", "US"),
    ("Cambridge, MA", "US"),
    ("Cambridge, UK", "GB"),
    ("Pittsburgh, PA", "US"),
    ("Los Angeles, California", "US"),
    ("Brooklyn, NY", "US"),
    ("New York, NY", "US"),
    ("Atlanta, Georgia", "US"),
    ("Tbilisi, Georgia", "GE"),
    ("Berkeley, CA, USA", "US"),
    ("Chicago, IL, United States", "US"),
    ("Vancouver, BC", "CA"),
    ("Vancouver, Canada", "CA"),
    ("Toronto, ON, Canada", "CA"),
    ("Montreal, Quebec", "CA"),
    ("London, UK", "GB"),
    ("London, England", "GB"),
    ("London, Ontario", "CA"),
    ("Edinburgh, Scotland", "GB"),
    ("Berlin, Germany", "DE"),
    ("Berlin, DE", "DE"),
    ("Paris, France", "FR"),
    ("Beijing, China", "CN"),
    ("Beijing China", "CN"),
    ("Hangzhou, Zhejiang, China", "CN"),
    ("Shanghai, P.R.China", "CN"),
    ("Shenzhen, Guangdong", "CN"),
    ("Wuhan, Hubei", "CN"),
    ("Chengdu, Sichuan, China", "CN"),
    ("Bangalore, India", "IN"),
    ("Bengaluru, Karnataka", "IN"),
    ("Chennai, IN", "IN"),
    ("Pune, Maharashtra, India", "IN"),
    ("Tokyo, Japan", "JP"),
    ("Seoul, Republic of Korea", "KR"),
    ("Sydney, NSW", "AU"),
    ("Melbourne, Australia", "AU"),
    ("Amsterdam, The Netherlands", "NL"),
    ("Zurich, Switzerland", "CH"),
    ("Madrid, Spain", "ES"),
    ("Valencia, Spain", "ES"),
    ("Valencia, Venezuela", "VE"),
    ("Lagos, Nigeria", "NG"),
    ("Cairo, Egypt", "EG"),
    ("Taipei, Taiwan", "TW"),
    ("Hsinchu, Taiwan", "TW"),
    ("Hong Kong SAR", "HK"),
    ("Kowloon, Hong Kong", "HK"),
    ("Singapore, Singapore", "SG"),
    ("Saint Petersburg, Russia", "RU"),
    ("Tel Aviv, Israel", "IL"),
    ("Mexico City", "MX"),
    ("Ciudad de México", "MX"),
    ("Buenos Aires, Argentina", "AR"),
    ("Rio de Janeiro", "BR"),
    # -- the noise around places
    ("San Francisco Bay Area", "US"),
    ("Greater Seattle Area", "US"),
    ("Bay Area", "US"),
    ("Silicon Valley", "US"),
    ("Remote, USA", "US"),
    ("Remote (Berlin)", "DE"),
    ("Beijing & Shanghai", "CN"),
    ("Shanghai | Hangzhou", "CN"),
    ("Berlin -> Munich", "DE"),
    ("Earth, Milky Way", None),
    ("Living in Tokyo", "JP"),
    ("Based in Berlin", "DE"),
    ("London / Remote", "GB"),
    ("Shanghai, China 🇨🇳", "CN"),
    ("Zürich 🇨🇭", "CH"),
]


def test_the_table_is_large_enough():
    assert len(TABLE) >= 150
    assert len({text for text, _ in TABLE}) == len(TABLE)  # every row a different string


def test_the_geocoder_agrees_with_the_table():
    answers = {text: geocode(text) for text, _ in TABLE}
    wrong_where_unknown = [(t, answers[t].country) for t, want in TABLE if want is None and answers[t].country]
    disagreements = [
        (t, want, answers[t].country, answers[t].reason) for t, want in TABLE if answers[t].country != want
    ]
    agreement = 1 - len(disagreements) / len(TABLE)
    assert not wrong_where_unknown, wrong_where_unknown
    wrong_country = [
        (t, want, answers[t].country) for t, want in TABLE if want and answers[t].country not in (None, want)
    ]
    assert not wrong_country, wrong_country  # a wrong country is worse than an unknown one
    assert agreement >= 0.95, f"{agreement:.1%} agreement; disagreements: {disagreements}"


@pytest.mark.parametrize(
    "text, reason",
    [
        ("Earth", "not a place"),
        ("https://example.com", "a web address"),
        ("Beijing / San Francisco", "several countries"),
        ("Cambridge", "several countries"),
        ("Europe", "a region"),
        ("", "empty"),
        ("qwertyuiop", "no place recognised"),
    ],
)
def test_an_unknown_country_says_why(text, reason):
    place = geocode(text)
    assert place.country is None
    assert reason in place.reason


def test_a_known_country_says_how():
    assert geocode("🇩🇪").reason == "flag"
    assert "Seattle" in geocode("Seattle, WA").reason
