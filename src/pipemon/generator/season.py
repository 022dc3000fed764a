"""The shape of an NBA regular season: calendar, teams, games and tip-off times (ET)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ET = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")

SEASON_START = date(2025, 10, 21)
SEASON_END = date(2026, 4, 12)
SEASON_YEAR = 2025

# Opening night, last regular-season day and the Friday the All-Star break starts, per season
# (the year it opens in); a season not listed follows `season_calendar`'s rule.
SEASONS: dict[int, tuple[date, date, date]] = {
    2025: (SEASON_START, SEASON_END, date(2026, 2, 13)),
    2024: (date(2024, 10, 22), date(2025, 4, 13), date(2025, 2, 14)),
    2023: (date(2023, 10, 24), date(2024, 4, 14), date(2024, 2, 16)),
    2022: (date(2022, 10, 18), date(2023, 4, 9), date(2023, 2, 17)),
    2021: (date(2021, 10, 19), date(2022, 4, 10), date(2022, 2, 18)),
}

# tricode -> home tip-off slot in ET (West-coast teams tip at 22:00 ET and finish after midnight ET)
TEAMS: dict[str, str] = {
    "ATL": "19:30", "BOS": "19:30", "BKN": "19:30", "CHA": "19:00", "CHI": "20:00",
    "CLE": "19:00", "DAL": "20:30", "DEN": "21:00", "DET": "19:00", "GSW": "22:00",
    "HOU": "20:00", "IND": "19:00", "LAC": "22:00", "LAL": "22:00", "MEM": "20:00",
    "MIA": "19:30", "MIL": "20:00", "MIN": "20:00", "NOP": "20:00", "NYK": "19:30",
    "OKC": "20:00", "ORL": "19:00", "PHI": "19:00", "PHX": "21:00", "POR": "22:00",
    "SAC": "22:00", "SAS": "20:00", "TOR": "19:30", "UTA": "21:00", "WAS": "19:00",
}  # fmt: skip

FIRST_NAMES = [
    "jalen", "tyrese", "devin", "jaylen", "anthony", "luka", "jayson", "donovan", "darius",
    "mikal", "desmond", "scottie", "cade", "paolo", "franz", "evan", "victor", "chet",
    "shai", "jamal", "trae", "dejounte", "zach", "kevin", "brandon", "deaaron", "lamelo",
    "miles", "alperen", "fred", "kyle", "herbert", "keegan", "domantas", "malik", "derrick",
]  # fmt: skip
LAST_NAMES = [
    "brunson", "haliburton", "booker", "brown", "edwards", "doncic", "tatum", "mitchell",
    "garland", "bridges", "bane", "barnes", "cunningham", "banchero", "wagner", "mobley",
    "wembanyama", "holmgren", "gilgeousalexander", "murray", "young", "murray", "lavine",
    "durant", "ingram", "fox", "ball", "bridges", "sengun", "vanvleet", "lowry", "jones",
    "murphy", "sabonis", "monk", "white", "green", "allen", "adams", "harris", "thomas",
]  # fmt: skip

ROSTER_SIZE = 15
PLAYERS_PER_TEAM_IN_BOX = 13  # ~26 per game
PROP_PLAYERS_PER_TEAM = 7  # ~15 per game (7 or 8)


@dataclass(frozen=True)
class Game:
    game_id: str
    game_date: date
    home: str
    away: str
    tip_utc: datetime  # naive UTC
    end_utc: datetime  # naive UTC


def et_to_utc(day: date, hhmm: str, day_offset: int = 0) -> datetime:
    """The naive-UTC instant of an ET wall-clock time on `day` + `day_offset`."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    local = datetime.combine(day + timedelta(days=day_offset), time(hour, minute), tzinfo=ET)
    return local.astimezone(UTC).replace(tzinfo=None)


def et_date(ts_utc: datetime) -> date:
    """The America/New_York date of a naive-UTC instant."""
    return ts_utc.replace(tzinfo=UTC).astimezone(ET).date()


def thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def _weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def season_calendar(season_year: int) -> tuple[date, date, date]:
    """(opening night, last regular-season day, All-Star Friday) of the season opening in
    `season_year`: the real dates where listed, else a Tuesday in the third week of October,
    the Sunday of the second week of April and the Friday of the third week of February."""
    if season_year in SEASONS:
        return SEASONS[season_year]
    opening = _weekday_on_or_before(date(season_year, 10, 24), 1)
    last = _weekday_on_or_before(date(season_year + 1, 4, 14), 6)
    all_star = _weekday_on_or_before(date(season_year + 1, 2, 19), 4)
    return opening, last, all_star


def no_game_days(season_year: int) -> set[date]:
    """Days the league plays nothing: Thanksgiving, Christmas Eve and the All-Star break."""
    days = {thanksgiving(season_year), date(season_year, 12, 24)}
    all_star_friday = season_calendar(season_year)[2]
    days |= {all_star_friday + timedelta(days=i) for i in range(6)}
    return days


def games_on(day: date, rng: random.Random, season_start: date) -> int:
    """How many games a day has: 1-15, median 8, a few light nights."""
    if day in no_game_days(season_start.year) or day < season_start:
        return 0
    if day == date(season_start.year, 12, 25):
        return 5
    weights = [3, 4, 5, 7, 9, 11, 12, 14, 10, 8, 5, 4, 3, 2, 1]
    return rng.choices(range(1, 16), weights=weights)[0]


def player_pool(rng: random.Random, scale: int) -> dict[str, list[str]]:
    """`ROSTER_SIZE * scale` distinct player keys per team."""
    used: set[str] = set()
    pool: dict[str, list[str]] = {}
    for team in TEAMS:
        players: list[str] = []
        while len(players) < ROSTER_SIZE * scale:
            key = rng.choice(FIRST_NAMES) + rng.choice(LAST_NAMES)
            if key in used:
                key = f"{key}{len(used)}"
            used.add(key)
            players.append(key)
        pool[team] = players
    return pool


def season_games(
    start: date,
    end: date,
    rng: random.Random,
    season_start: date = SEASON_START,
    last_game_day: date | None = None,
) -> list[Game]:
    """Games from `start` to `end` (inclusive), numbered from the season's opening night;
    none after `last_game_day` when given (the off-season)."""
    games: list[Game] = []
    number = 0
    day = season_start
    while day <= (end if last_game_day is None else min(end, last_game_day)):
        count = games_on(day, rng, season_start)
        teams = rng.sample(sorted(TEAMS), count * 2)
        for i in range(count):
            number += 1
            home, away = teams[2 * i], teams[2 * i + 1]
            slot = TEAMS[home]
            if count <= 3 and rng.random() < 0.3:
                slot = "15:00"  # the odd afternoon game
            tip = et_to_utc(day, slot)
            length = timedelta(minutes=rng.randint(135, 160))
            if day >= start:
                yy = season_start.year % 100
                games.append(Game(f"002{yy:02d}{number:05d}", day, home, away, tip, tip + length))
        day += timedelta(days=1)
    return games
