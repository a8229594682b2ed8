"""``capmatch demo-data`` on a terminal: a progress bar, the keys it made, what to try."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from app.core.config import Settings
from app.core.dates import today
from app.core.db import create_database
from app.demo.plan import Size, plan_market
from app.demo.service import PartnerOutcome, rows_of, write_market
from app.taxonomy.loading import load_taxonomy

API = "http://127.0.0.1:8000"


async def make_demo_market(
    settings: Settings, *, size: Size, seed: int, console: Console
) -> list[PartnerOutcome]:
    """Plan the market for ``seed``, write what is missing, and say what was made."""
    plans = plan_market(seed=seed, size=size, today=today())
    taxonomy = load_taxonomy(settings.taxonomy_file)
    database = create_database(settings)
    columns = (
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task(f"demo market ({size}, seed {seed})", total=0)
            progress.update(task, total=sum(rows_of(plan) for plan in plans))
            outcomes = await write_market(
                database.sessionmaker,
                plans=plans,
                settings=settings,
                taxonomy=taxonomy,
                progress=lambda rows: progress.advance(task, rows),
            )
    finally:
        await database.engine.dispose()
    report(outcomes, console=console, seed=seed)
    return outcomes


def report(outcomes: list[PartnerOutcome], *, console: Console, seed: int) -> None:
    made = [outcome for outcome in outcomes if outcome.created]
    kept = [outcome for outcome in outcomes if not outcome.created]
    if made:
        console.print(
            f"Made {len(made)} partners with {sum(o.organizations for o in made)} organisations, "
            f"{sum(o.offers for o in made)} offers, {sum(len(o.requests) for o in made)} "
            f"requests, {sum(o.engagements for o in made)} engagements, "
            f"{sum(o.events for o in made)} calendar events and "
            f"{sum(o.notices for o in made)} notices.",
            soft_wrap=True,
        )
        # Plain lines, not a table: a key must survive copying whole, at any terminal width.
        console.print("API keys (shown once: keep them):")
        for outcome in made:
            for key in outcome.keys:
                console.print(
                    f"  {key.kind:<12}  {key.owner_id}  {key.api_key}  {key.name}",
                    soft_wrap=True,
                    highlight=False,
                    markup=False,
                )
    if kept:
        lines = [
            f"{len(kept)} partners of seed {seed} exist already; nothing new was written for "
            "them. Their keys were shown on the first run. Issue a new partner key with",
            f'  curl -s -X POST {API}/v1/partners/<id>/api-keys -H "Authorization: Bearer '
            '$CAPMATCH_ADMIN_API_KEY"',
            "and an organisation key with its partner's key: POST /v1/organizations/<id>/api-keys",
            *(f"  {outcome.id}  {outcome.slug}  {outcome.name}" for outcome in kept),
        ]
        for line in lines:
            console.print(line, soft_wrap=True, highlight=False, markup=False)
    first = made[0] if made else None
    if first is None or not first.requests:
        return
    token = first.keys[0].api_key
    console.print("\nTry it (with `capmatch serve` running):")
    for command in (
        f'curl -s "{API}/v1/requests?limit=3" -H "Authorization: Bearer {token}"',
        f'curl -s "{API}/v1/requests/{first.requests[0]}/matches?limit=3" '
        f'-H "Authorization: Bearer {token}"',
        f'curl -s "{API}/v1/engagements" -H "Authorization: Bearer {token}"',
    ):
        console.print(command, soft_wrap=True, highlight=False, markup=False)
