"""The figures from the matching index's columns equal the reference's
(``app.analytics.figures``) on any market, for any grouping, caller and filter."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.analytics.columnar import Scope, supply_demand
from app.analytics.figures import (
    DIMENSIONS,
    Demand,
    Figure,
    Grouping,
    Period,
    Supply,
    figures,
    under,
)
from app.matching.candidates import build_candidates
from app.matching.demand import RequestRecord
from app.matching.demand_columns import build_requests
from app.matching.demand_index import RequestIndex
from app.matching.index import MatchIndex
from app.matching.values import OfferRecord, Viewer

TODAY = date(2026, 12, 2)
SKILLS = ["textile.sewing", "textile.cutting", "metal.cnc-machining", "textile"]
PRODUCTS = ["mask.surgical", "gown.isolation"]
REGIONS = [None, "DE-BW", "DE-BY", "AT-9"]
PARTNERS = ["par_a", "par_b"]


@st.composite
def offers(draw: st.DrawFn) -> OfferRecord:
    start = draw(st.integers(-20, 40))
    return OfferRecord(
        id=f"off_{draw(st.integers(0, 999_999)):06d}",
        lat=48.0,
        lon=9.0,
        skills=tuple(draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=3))),
        products=tuple(draw(st.lists(st.sampled_from(PRODUCTS), unique=True, max_size=2))),
        capacity_per_week=draw(st.integers(1, 5_000)),
        capacity_total=draw(st.none() | st.integers(0, 20_000)),
        reserved_quantity=draw(st.integers(0, 2_000)),
        available_from=TODAY + timedelta(days=start),
        available_until=TODAY + timedelta(days=start + draw(st.integers(0, 80))),
        lead_time_days=draw(st.integers(0, 30)),
        partner_id=draw(st.sampled_from(PARTNERS)),
        shared=draw(st.booleans()),
        region=draw(st.sampled_from(REGIONS)),
    )


requests = st.builds(
    lambda n, skills, products, quantity, due, partner, shared, region: RequestRecord(
        id=f"req_{n:06d}",
        lat=48.0,
        lon=9.0,
        skills=tuple(skills),
        products=tuple(products),
        quantity=quantity,
        needed_by=TODAY + timedelta(days=due),
        partner_id=partner,
        shared=shared,
        region=region,
    ),
    st.integers(0, 999_999),
    st.lists(st.sampled_from(SKILLS), unique=True, max_size=2),
    st.lists(st.sampled_from(PRODUCTS), unique=True, max_size=2),
    st.integers(1, 10_000),
    st.integers(0, 60),
    st.sampled_from(PARTNERS),
    st.booleans(),
    st.sampled_from(REGIONS),
)


def reference(
    offer_records: list[OfferRecord],
    request_records: list[RequestRecord],
    engaged: dict[str, int],
    scope: Scope,
    period: Period,
    grouping: Grouping,
) -> list[Figure]:
    """What the reference counts of the rows the scope keeps (the SQL path's filters)."""

    def kept(record: OfferRecord | RequestRecord) -> bool:
        region = record.region
        return (
            record.visible_to(scope.viewer)
            and (scope.region is None or region == scope.region)
            and (scope.country is None or (region or "").startswith(scope.country + "-"))
            and (grouping.skill is None or any(under(c, grouping.skill) for c in record.skills))
            and (
                grouping.product is None or any(under(c, grouping.product) for c in record.products)
            )
        )

    chosen = [o for o in offer_records if kept(o)]
    wanted = [r for r in request_records if kept(r)]

    def total(o: OfferRecord) -> int:
        days = (o.available_until - o.available_from).days + 1
        return o.capacity_total if o.capacity_total is not None else o.capacity_per_week * days // 7

    supply = Supply(
        regions=[o.region for o in chosen],
        skills=[list(o.skills) for o in chosen],
        products=[list(o.products) for o in chosen],
        per_week=np.array([o.capacity_per_week for o in chosen], dtype=np.int64),
        remaining=np.array([total(o) - o.reserved_quantity for o in chosen], dtype=np.int64),
        first_day=np.array(
            [
                max(o.available_from, TODAY + timedelta(days=o.lead_time_days)).toordinal()
                for o in chosen
            ],
            dtype=np.int64,
        ),
        last_day=np.array([o.available_until.toordinal() for o in chosen], dtype=np.int64),
    )
    taken = [engaged.get(r.id, 0) for r in wanted]
    demand = Demand(
        regions=[r.region for r in wanted],
        skills=[list(r.skills) for r in wanted],
        products=[list(r.products) for r in wanted],
        unreserved=np.array(
            [max(0, r.quantity - t) for r, t in zip(wanted, taken, strict=True)], dtype=np.int64
        ),
        reserved=np.array(
            [min(r.quantity, t) for r, t in zip(wanted, taken, strict=True)], dtype=np.int64
        ),
        due=np.array([r.needed_by.toordinal() for r in wanted], dtype=np.int64),
    )
    return figures(supply, demand, period, grouping)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(offers(), max_size=25, unique_by=lambda o: o.id),
    st.lists(requests, max_size=15, unique_by=lambda r: r.id),
    st.lists(st.sampled_from(DIMENSIONS), unique=True),
    st.none() | st.integers(1, 2),
    st.sampled_from([Viewer(sees_all=True), Viewer(partner_id="par_a"), Viewer("par_z")]),
    st.sampled_from(
        [
            (None, None, None, None),
            ("DE-BW", None, None, None),
            (None, "DE", "textile", None),
            (None, None, None, "mask.surgical"),
        ]
    ),
    st.integers(0, 3),
    st.data(),
)
def test_the_index_columns_count_what_the_reference_counts(
    offer_records: list[OfferRecord],
    request_records: list[RequestRecord],
    by: list[str],
    level: int | None,
    viewer: Viewer,
    filters: tuple[str | None, str | None, str | None, str | None],
    start: int,
    data: st.DataObject,
) -> None:
    region, country, skill, product = filters
    engaged = {
        r.id: data.draw(st.integers(0, 12_000)) for r in request_records if data.draw(st.booleans())
    }
    grouping = Grouping(tuple(d for d in DIMENSIONS if d in by), level, skill, product)
    scope = Scope(viewer, region, country)
    period = Period.starting(TODAY + timedelta(days=start * 5), 6)
    fast = supply_demand(
        [(build_candidates(offer_records), None)],
        [(build_requests(request_records), None)],
        engaged,
        scope=scope,
        period=period,
        grouping=grouping,
        on=TODAY,
    )
    assert fast == reference(offer_records, request_records, engaged, scope, period, grouping)


def test_an_index_with_changes_since_its_base_counts_the_current_rows() -> None:
    def offer(n: int, per_week: int, region: str) -> OfferRecord:
        return OfferRecord(
            id=f"off_{n:06d}",
            lat=48.0,
            lon=9.0,
            skills=("textile.sewing",),
            products=(),
            capacity_per_week=per_week,
            available_from=TODAY,
            available_until=TODAY + timedelta(days=60),
            region=region,
        )

    index = MatchIndex([offer(1, 700, "DE-BW"), offer(2, 70, "DE-BY"), offer(3, 7, "DE-BY")])
    index.apply({"off_000002": None, "off_000003": offer(3, 14, "DE-BW")})
    found = supply_demand(
        index.parts(),
        RequestIndex().parts(),
        {},
        scope=Scope(Viewer(sees_all=True)),
        period=Period.starting(TODAY, 1),
        grouping=Grouping(("region",)),
        on=TODAY,
    )
    # Week of TODAY (a Wednesday): five days at 100 and at 2 a day.
    assert [(f.keys["region"], f.supply, f.active_offers) for f in found] == [("DE-BW", 510, 2)]
