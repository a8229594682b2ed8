"""The process's taxonomy as a dependency (loaded by ``create_app``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.taxonomy.vocabulary import Taxonomy


def get_taxonomy(request: Request) -> Taxonomy:
    taxonomy: Taxonomy = request.app.state.taxonomy
    return taxonomy


TaxonomyDep = Annotated[Taxonomy, Depends(get_taxonomy)]
