"""Writers of the data tables: schedule, box scores, props, feature store, predictions."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pipemon.generator import formats as fmt
from pipemon.generator import incidents as inc
from pipemon.generator.core import Core, DayPlayers, et_wall, props_window_start
from pipemon.generator.season import (
    ET,
    PROP_PLAYERS_PER_TEAM,
    UTC,
    Game,
    et_to_utc,
)

BOOKMAKERS = ["BettingPros Consensus", "DraftKings", "FanDuel", "BetMGM", "Caesars"]
# other markets the props table holds besides points: (market, low, high)
OTHER_MARKETS = [("rebounds", 3, 12), ("assists", 1, 9), ("threes", 0, 4)]
OTHER_MARKET_PLAYERS_PER_TEAM = 4
MAX_PREDICTED_LINES = 5
DUPLICATE_BATCH_RATE = 0.2  # share of game days whose predictions were appended twice (pre-MERGE)


def game_key(game: Game) -> str:
    """The date-based id: `YYYYMMDD_AWAY_HOME`."""
    return f"{game.game_date:%Y%m%d}_{game.away}_{game.home}"


def recommendation(edge: float) -> str:
    return "PASS" if abs(edge) < 1 else ("OVER" if edge > 0 else "UNDER")


def tip_et(game: Game) -> datetime:
    """The ET wall-clock tip-off as a naive timestamp."""
    return game.tip_utc.replace(tzinfo=UTC).astimezone(ET).replace(tzinfo=None)


class GameTables(Core):
    # ------------------------------------------------------------------ schedule
    def _schedule(self, games: list[Game], postponed: list[Game]) -> None:
        """One row per game as the latest load left it, plus pre-MERGE conflicting duplicates."""
        for game in games:
            if game.end_utc + timedelta(minutes=20) <= self.as_of:
                status, at = 3, self._jitter(game.end_utc + timedelta(minutes=20), 2400)
            elif game.tip_utc + timedelta(minutes=55) <= self.as_of:
                status, at = 2, game.tip_utc + timedelta(minutes=55)
            else:
                status, at = (
                    1,
                    min(self.as_of, self._jitter(et_to_utc(game.game_date, "06:05"), 300)),
                )
            at = min(at, self.as_of)
            self._schedule_row(game, status, at)
            if game.game_date < fmt.SCHEDULE_MERGE_FROM and self.rng.random() < 0.04:
                self._schedule_row(game, 1, game.tip_utc - timedelta(hours=30))
        for game in postponed:  # never played on its original date: stays scheduled there
            self._schedule_row(game, 1, game.tip_utc - timedelta(hours=2))

    def _schedule_row(
        self, game: Game, status: int, at: datetime, extra: dict[str, Any] | None = None
    ) -> None:
        """`extra`: the year calendar's flags and season (the regular season's rows have none)."""
        if at > self.as_of:
            return
        est = (
            tip_et(game)
            if game.game_date >= fmt.SCHEDULE_TIP_TIMES_FROM
            else et_wall(game.game_date, "00:00")
        )
        self.rows["nbac_schedule"].append(
            {
                "game_id": game.game_id,
                "game_date": game.game_date,
                "game_date_est": est,
                "season_year": self.season_start.year,
                "game_status": status,
                "home_team_tricode": game.home,
                "away_team_tricode": game.away,
                "data_source": "cdn_static" if self.rng.random() < 0.1 else "api_stats",
                "processed_at": at,
                **(extra or {}),
            }
        )

    # ------------------------------------------------------------------ players and props
    def _players(self, games: list[Game]) -> dict[str, DayPlayers]:
        """Per game: the rostered players, those who played, and the points lines."""
        out: dict[str, DayPlayers] = {}
        for game in games:
            rostered: list[tuple[str, str]] = []
            active: list[tuple[str, str]] = []
            lines: dict[str, list[float]] = {}
            main: dict[str, float] = {}
            for side, team in enumerate((game.home, game.away)):
                roster = self.pool[team]
                rostered += [(p, team) for p in roster]
                played = self.rng.sample(roster, self.rng.randint(9, 12) * self.scale)
                active += [(p, team) for p in played]
                for player in played[: PROP_PLAYERS_PER_TEAM * self.scale + side]:
                    main[player] = round(self.rng.uniform(7, 31)) + 0.5
            out[game.game_id] = DayPlayers(rostered, active, lines, main)
        return out

    def _snapshot_times(self, day: date, games: list[Game], game: Game) -> list[datetime]:
        """Up to three snapshots between the window's start and the game's tip."""
        start = props_window_start(day, games)
        times: list[datetime] = []
        at = start
        while at < game.tip_utc - timedelta(minutes=20) and len(times) < 3:
            times.append(self._jitter(at, 240))
            at += timedelta(hours=3)
        return [t for t in times if t <= self.as_of]

    def _props(self, day: date, games: list[Game], players: dict[str, DayPlayers]) -> None:
        out = self.rows["bettingpros_player_points_props"]
        if self._incident("prop_data_gap", day):
            # nothing loaded, in any market; the predictions go out without lines (NO_LINE)
            table = self._target("prop_data_gap")
            self.plan.record("prop_data_gap", day, table)
            self.plan.gap(table, day)
            return
        if self._incident("props_window_false_alarm", day):
            self.plan.non_alerts.append(
                {"kind": "props_window_false_alarm", "game_date": day.isoformat(),
                 "target": self._target("props_window_false_alarm"),
                 "postmortem": str(inc.KINDS["props_window_false_alarm"].postmortem)}
            )  # fmt: skip
        for game in games:
            snapshots = self._snapshot_times(day, games, game)
            roster = players[game.game_id]
            team_of = dict(roster.active)
            event_id = 200000 + int(game.game_id[-5:])
            for player, base in roster.main_line.items():
                books = {
                    b: base + self.rng.choice([-1.0, 0.0, 0.0, 0.0, 1.0])
                    for b in self.rng.sample(BOOKMAKERS, self.rng.randint(2, 4))
                }
                drifts = self.rng.random() < 0.15
                seen: set[float] = set()
                for n, snap in enumerate(snapshots):
                    last = n == len(snapshots) - 1
                    for book, line in books.items():
                        line = line + (0.5 if drifts and last else 0.0)
                        seen.add(line)
                        for side in ("over", "under"):
                            out.append(
                                {
                                    "game_date": day,
                                    "market_type": "points",
                                    "bp_event_id": event_id,
                                    "bet_side": side,
                                    "player_lookup": player,
                                    "player_team": team_of[player],
                                    "bookmaker": book,
                                    "points_line": line,
                                    "is_active": True,
                                    "created_at": snap,
                                    "processed_at": snap + timedelta(seconds=90),
                                }
                            )
                lines = sorted(seen or {base}, key=lambda x: (x != base, x))
                roster.lines[player] = lines[:MAX_PREDICTED_LINES]
            if not snapshots:
                for player, base in roster.main_line.items():
                    roster.lines[player] = [base]
                continue
            snap = snapshots[-1]
            per_team = OTHER_MARKET_PLAYERS_PER_TEAM * self.scale
            for market, low, high in OTHER_MARKETS:
                for team in (game.home, game.away):
                    chosen = [p for p, t in roster.active if t == team][:per_team]
                    for player in chosen:
                        line = self.rng.randint(low, high) + 0.5
                        for book in BOOKMAKERS[:2]:
                            for side in ("over", "under"):
                                out.append(
                                    {
                                        "game_date": day,
                                        "market_type": market,
                                        "bp_event_id": event_id,
                                        "bet_side": side,
                                        "player_lookup": player,
                                        "player_team": team,
                                        "bookmaker": book,
                                        "points_line": line,
                                        "is_active": True,
                                        "created_at": snap,
                                        "processed_at": snap + timedelta(seconds=90),
                                    }
                                )

    # ------------------------------------------------------------------ box scores
    def _box_scores(
        self, day: date, games: list[Game], players: dict[str, DayPlayers], at: datetime
    ) -> bool:
        """Writes player_game_summary for the final games; True when a fallback source was used."""
        spike = self._incident("fallback_spike", day)
        fallback_live = self._fallback_live(day)
        fallback_rate = (0.75 if spike else 0.015) if fallback_live else 0.0
        if spike:
            self.plan.record("fallback_spike", day, self._target("fallback_spike"))
        missing: set[str] = set()
        if self._incident("missing_box_scores", day):
            for game in games[:2]:
                missing.add(game.game_id)
                self.plan.record("missing_box_scores", day, game.game_id)
        table = "nba_analytics.player_game_summary"
        if missing:
            self.plan.record("missing_box_scores", day, table, consequence=True)
            self.plan.gap(table, day)
        for kind, lost in (
            ("gamebook_partial", games[1:]),  # the resolver found 1 of the day's gamebooks
            ("gamebook_scraper_blocked", games),  # no gamebook, and BDL loaded nothing
        ):
            if self._incident(kind, day):
                for game in lost:
                    missing.add(game.game_id)
                    self.plan.record(
                        kind, day, game.game_id, consequence=kind != "gamebook_partial"
                    )
                self.plan.record(kind, day, table, consequence=kind != "gamebook_partial")
                self.plan.gap(table, day)
        used_fallback = False
        out = self.rows["player_game_summary"]
        for game in games:
            if game.game_id in missing:
                continue
            source = "bdl_boxscores" if self.rng.random() < fallback_rate else "nbac_gamebook"
            used_fallback |= source != "nbac_gamebook"
            game_id = game.game_id if fmt.pgs_uses_schedule_id(day) else game_key(game)
            processed = self._jitter(at, 60)
            for player, team in players[game.game_id].active:
                minutes = round(self.rng.uniform(4, 40), 1)
                out.append(
                    {
                        "game_id": game_id,
                        "game_date": day,
                        "player_lookup": player,
                        "team_abbr": team,
                        "opponent_team_abbr": game.away if team == game.home else game.home,
                        "season_year": self.season_start.year,
                        "points": int(minutes * self.rng.uniform(0.1, 0.9)),
                        "minutes_played": minutes,
                        "is_active": True,
                        "primary_source_used": source,
                        "processed_at": processed,
                    }
                )
        return used_fallback

    def _fallback_live(self, day: date) -> bool:
        """BDL is there to fall back on (and loaded rows: not while it loaded 0 records)."""
        bdl = self.reg.processor("bdl_player_boxscores")
        return bdl is not None and bdl.live(day) and not self._incident("bdl_zero_records", day)

    # ------------------------------------------------------------------ feature store
    def _features(
        self, day: date, games: list[Game], players: dict[str, DayPlayers], at: datetime
    ) -> int:
        degraded = self._incident("feature_store_degraded", day)
        if degraded:
            self.plan.record("feature_store_degraded", day, "ml_feature_store")
        early = day < self.bootstrap_end
        version = fmt.feature_version(day)
        full = fmt.FEATURE_VERSIONS[version]
        out = self.rows["ml_feature_store_v2"]
        for game in games:
            if self._hidden_by_reused_id(day, game):
                continue
            game_id = self._same_day_game_id(game)
            for player, _team in players[game.game_id].rostered:
                count: int | None
                score: float | None
                if early:
                    count, score, src = None, None, "early_season"
                elif degraded and self.rng.random() < 0.6:
                    count = self.rng.randint(full * 5 // 9, full * 3 // 4)
                    score, src = self.rng.gauss(45, 6), "phase3"
                else:
                    roll = self.rng.random()
                    count, score = full, self.rng.gauss(88, 4)
                    if roll < 0.86:
                        src = "phase4"
                    elif roll < 0.93:
                        src = "phase4_partial"
                    elif roll < 0.975:
                        src = "mixed"
                    elif roll < 0.995:
                        src = "phase3"
                    else:
                        src = "unknown"
                out.append(
                    {
                        "player_lookup": player,
                        "game_id": game_id,
                        "game_date": day,
                        "feature_count": count,
                        "feature_version": version,
                        "feature_quality_score": None
                        if score is None
                        else round(min(100.0, max(0.0, score)), 2),
                        "data_source": src,
                        "early_season_flag": early,
                        "created_at": self._jitter(at, 30),
                    }
                )
        return len(out)

    def _hidden_by_reused_id(self, day: date, game: Game) -> bool:
        """The schedule view kept one row per game_id: the game played under a postponed game's
        id vanished from the same-day tables (features, predictions)."""
        if not self._incident("game_id_reuse", day):
            return False
        hidden = any(p.game_id == game.game_id for p in getattr(self, "postponed", []))
        if hidden:
            self.plan.record("game_id_reuse", day, game.game_id)
            for table in (
                "nba_predictions.player_prop_predictions",
                "nba_predictions.ml_feature_store_v2",
            ):
                self.plan.record("game_id_reuse", day, table, consequence=True)
            self.plan.gap("nba_predictions.ml_feature_store_v2", day)
        return hidden

    def _same_day_game_id(self, game: Game) -> str:
        return game_key(game) if game.game_date >= fmt.DATE_GAME_IDS_FROM else game.game_id

    # ------------------------------------------------------------------ predictions
    def _predictions(
        self,
        day: date,
        games: list[Game],
        players: dict[str, DayPlayers],
        systems: list[str],
        start: datetime,
        dropped: set[str],
    ) -> tuple[int, datetime]:
        """Every rostered player by every system; returns rows written and the last created_at."""
        fraction = fmt.confidence_is_fraction(day)
        multi = day <= fmt.MULTI_LINE_UNTIL
        out = self.rows["player_prop_predictions"]
        batch: list[dict[str, object]] = []
        last = start
        for n, system in enumerate(systems):
            created = start + timedelta(minutes=3 + 6 * n, seconds=self.rng.randint(0, 120))
            last = max(last, created)
            for game in games:
                if self._hidden_by_reused_id(day, game):
                    continue
                game_id = self._same_day_game_id(game)
                roster = players[game.game_id]
                for player, _team in roster.rostered:
                    if player in dropped:
                        continue
                    lines = roster.lines.get(player)
                    if lines:
                        rows = lines if multi else lines[:1]
                        has_line, source = True, "ACTUAL_PROP"
                    else:
                        rows = [round(self.rng.uniform(3, 14)) + 0.5]
                        has_line, source = False, "ESTIMATED_AVG"
                    predicted = round(rows[0] + self.rng.gauss(0, 3), 1)
                    for line in rows:
                        rec = recommendation(predicted - line) if has_line else "NO_LINE"
                        confidence = self.rng.uniform(45, 92)
                        batch.append(
                            {
                                "prediction_id": self._id(),
                                "system_id": system,
                                "player_lookup": player,
                                "game_id": game_id,
                                "game_date": day,
                                "predicted_points": predicted,
                                "confidence_score": round(confidence / 100, 2)
                                if fraction
                                else round(confidence, 2),
                                "recommendation": rec,
                                "has_prop_line": has_line,
                                "line_source": source,
                                "current_points_line": line,
                                "is_active": True,
                                "created_at": created,
                                "updated_at": created,
                            }
                        )
        out += batch
        if day < fmt.PREDICTION_MERGE_FROM and batch and self.rng.random() < DUPLICATE_BATCH_RATE:
            rerun = timedelta(minutes=self.rng.randint(10, 25))
            for row in batch:  # the rerun appended the whole batch again (no MERGE yet)
                created_again = row["created_at"] + rerun  # type: ignore[operator]
                out.append(
                    {
                        **row,
                        "prediction_id": self._id(),
                        "created_at": created_again,
                        "updated_at": created_again,
                    }
                )
        return len(batch), last
