"""The games of the pipeline's year, laid out by the calendar plan: the 2025-26 regular season
with its documented postponements and NBA Cup nights, All-Star rows, play-in and a first round
cut by the shutdown, the preseason games that are scraped but never loaded, and the start of
2026-27."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from pipemon.generator import calendar as cal
from pipemon.generator.season import (
    ET,
    SEASON_END,
    SEASON_START,
    TEAMS,
    UTC,
    Game,
    et_to_utc,
    season_games,
)

ALL_STAR_TIP = "20:00"
PRESEASON_GAMES_PER_DAY = (2, 6)
SCHEDULE_LOADS_ET = ("06:05", "11:00")  # the morning schedule scrape and the daily lock


@dataclass
class YearSchedule:
    games: list[Game]  # every row of the schedule table but the postponed originals
    postponed: list[Game]  # the original-date rows of the postponements
    played_as: dict[str, str]  # postponed game_id -> game_id of its makeup game
    preseason: list[Game]  # scraped, never in the schedule table
    unplayed: set[str] = field(default_factory=set)  # stay at status 1 (shutdown, if necessary)
    cup: set[str] = field(default_factory=set)

    def prefix(self, game: Game) -> str:
        return game.game_id[:3]


def _game(game_id: str, day: date, away: str, home: str, rng: random.Random, slot: str) -> Game:
    tip = et_to_utc(day, slot)
    return Game(game_id, day, home, away, tip, tip + timedelta(minutes=rng.randint(135, 160)))


def _postponements(
    games: list[Game], rng: random.Random
) -> tuple[list[Game], list[Game], dict[str, str]]:
    """The documented postponements on their dates: the teams' generated games of both dates
    make way; the original row keeps its id, the makeup reuses it only where documented."""
    postponed: list[Game] = []
    played_as: dict[str, str] = {}
    for n, p in enumerate(cal.POSTPONEMENTS):
        teams = {p.home, p.away}
        games = [
            g for g in games
            if not (g.game_date in (p.scheduled, p.played) and {g.home, g.away} & teams)
        ]  # fmt: skip
        original = _game(f"0022501{900 + n:03d}", p.scheduled, p.away, p.home, rng, TEAMS[p.home])
        makeup_id = original.game_id if p.reuses_id else f"0022501{950 + n:03d}"
        games.append(_game(makeup_id, p.played, p.away, p.home, rng, TEAMS[p.home]))
        postponed.append(original)
        played_as[original.game_id] = makeup_id
    return games, postponed, played_as


def _preseason(rng: random.Random) -> list[Game]:
    out: list[Game] = []
    for first, last in cal.PRESEASON:
        number = 0
        day = first
        while day <= last:
            count = rng.randint(*PRESEASON_GAMES_PER_DAY)
            teams = rng.sample(sorted(TEAMS), count * 2)
            for i in range(count):
                number += 1
                home, away = teams[2 * i], teams[2 * i + 1]
                out.append(_game(f"001{first.year % 100:02d}{number:05d}", day, away, home, rng,
                                 TEAMS[home]))  # fmt: skip
            day += timedelta(days=1)
    return out


def _postseason(rng: random.Random) -> tuple[list[Game], set[str]]:
    """Play-in and the first round; the games on or after the shutdown never happen for the
    pipeline (their rows stay at status 1), the "if necessary" games 5-7 among them."""
    seeded = rng.sample(sorted(TEAMS), 20)
    play_in_teams = seeded[16:] + seeded[:4]
    games: list[Game] = []
    for n, day in enumerate(cal.PLAY_IN):
        home, away = play_in_teams[(2 * n) % 8], play_in_teams[(2 * n + 1) % 8]
        games.append(_game(f"00525{n + 1:05d}", day, away, home, rng, TEAMS[home]))
    unplayed: set[str] = set()
    for series in range(cal.PLAYOFF_SERIES):
        high, low = seeded[2 * series], seeded[2 * series + 1]
        day = cal.PLAYOFFS_FROM + timedelta(days=series % 2)
        for number, gap in enumerate(cal.PLAYOFF_GAP, start=1):
            day += timedelta(days=gap)
            home, away = (high, low) if number in (1, 2, 5, 7) else (low, high)
            game_id = f"00425001{series}{number}"
            games.append(_game(game_id, day, away, home, rng, TEAMS[home]))
            if day >= cal.SHUTDOWN:
                unplayed.add(game_id)
    return games, unplayed


def _all_star(rng: random.Random) -> list[Game]:
    return [
        _game(f"00325{n + 1:05d}", day, away, home, rng, ALL_STAR_TIP)
        for n, (day, away, home, _event) in enumerate(cal.ALL_STAR)
    ]


def year_schedule(seed: int, end: date) -> YearSchedule:
    """Every game of the year through `end`, for a seed (the 2025-26 regular season is the
    regular calendar's, drawn from the same seed stream)."""
    regular = season_games(SEASON_START, SEASON_END, random.Random(f"{seed}-schedule"),
                           SEASON_START)  # fmt: skip
    rng = random.Random(f"{seed}-year")
    regular, postponed, played_as = _postponements(regular, rng)
    postseason, unplayed = _postseason(rng)
    following = season_games(cal.OPENER_2026, end, random.Random(f"{seed}-schedule-2026"),
                             cal.OPENER_2026)  # fmt: skip
    games = [g for g in regular + _all_star(rng) + postseason + following if g.game_date <= end]
    games.sort(key=lambda g: (g.game_date, g.game_id))
    cup = {g.game_id for g in games if g.game_date in cal.CUP_NIGHTS and g.game_id[:3] == "002"}
    preseason = [g for g in _preseason(rng) if g.game_date <= end]
    return YearSchedule(games, postponed, played_as, preseason, unplayed, cup)


def postponed_status(game: Game, at: datetime) -> int:
    """The status the original-date row of a postponed game held at `at` (naive UTC): 1 while
    scheduled; from 2026-01-23 the stale-schedule fixer flipped it to Final (3, no scores) at
    each 4-hour tick past its tip, and the next schedule load (06:05 and 11:00 ET) set it back
    to 1; from 2026-02-10 it is 9."""
    set_nine = et_to_utc(cal.STATUS_9_FROM, "12:00")
    if at >= set_nine:
        return 9
    fixer_from = et_to_utc(cal.STALE_FIXER[0], "00:00")
    if at < max(fixer_from, game.tip_utc):
        return 1
    start = max(fixer_from, game.tip_utc)
    local = at.replace(tzinfo=UTC).astimezone(ET).replace(tzinfo=None)
    tick = et_to_utc(local.date(), f"{local.hour // 4 * 4:02d}:00")
    loads = [et_to_utc(local.date() - timedelta(days=back), hhmm)
             for back in (0, 1) for hhmm in SCHEDULE_LOADS_ET]  # fmt: skip
    load = max((t for t in loads if t <= at), default=datetime.min)
    return 3 if tick >= start and tick > load else 1
