from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal, Protocol

from pydantic import (
    AfterValidator,
    BaseModel,
    EmailStr,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.core.schemas import JsonDate, OutModel, PatchModel, StrictModel
from app.geo.schemas import Address, Location
from app.market.schemas import ExternalRef
from app.models import Organization
from app.taxonomy.codes import MAX_CODES, Code

OrganizationKind = Literal["manufacturer", "buyer", "both"]
OrganizationStatus = Literal["active", "closed"]


class Contact(StrictModel):
    name: str | None = Field(default=None, max_length=200, examples=["A. Muster"])
    email: EmailStr | None = Field(default=None, examples=["a@example.org"])
    phone: str | None = Field(
        default=None, max_length=50, pattern=r"^[0-9+()/.\- ]{3,50}$", examples=["+49 7121 0"]
    )


class HasContact(Protocol):
    @property
    def contact_name(self) -> str | None: ...
    @property
    def contact_email(self) -> str | None: ...
    @property
    def contact_phone(self) -> str | None: ...


def contact_of(org: HasContact) -> Contact | None:
    """The organisation's contact person, or None when it gave none."""
    if not any((org.contact_name, org.contact_email, org.contact_phone)):
        return None
    return Contact(name=org.contact_name, email=org.contact_email, phone=org.contact_phone)


CertificationStatus = Literal["held", "in_progress"]


class CertificationIn(StrictModel):
    code: Code = Field(examples=["iso-13485"])
    status: CertificationStatus = Field(
        default="held",
        description="held, or in_progress: being acquired, expected by expected_by",
    )
    expected_by: JsonDate | None = Field(
        default=None,
        description="When the certificate is expected: required for in_progress, refused for held",
        validate_default=True,
    )
    valid_until: JsonDate | None = Field(
        default=None,
        description="Expiry date of a held certificate (refused while in progress: "
        "the certificate is not issued yet)",
    )
    certificate_number: str | None = Field(default=None, max_length=100)

    # Field validators (not one model validator) so that an error names its field:
    # ``certifications[0].expected_by``. ``status`` is declared first, so it is known.
    @field_validator("expected_by")
    @classmethod
    def _expected_when_in_progress(cls, value: date | None, info: ValidationInfo) -> date | None:
        status = info.data.get("status")
        if status == "in_progress" and value is None:
            raise ValueError("required when status is in_progress")
        if status == "held" and value is not None:
            raise ValueError("only a certification in progress has an expected date")
        return value

    @field_validator("valid_until")
    @classmethod
    def _no_expiry_in_progress(cls, value: date | None, info: ValidationInfo) -> date | None:
        if info.data.get("status") == "in_progress" and value is not None:
            raise ValueError(
                "a certification in progress has no expiry yet; set it when it turns held"
            )
        return value


def _unique_codes(values: list[CertificationIn]) -> list[CertificationIn]:
    # Raised as a ValidationError so each error names the repeated item
    # (``certifications[1]``), not just the list.
    seen: set[str] = set()
    errors: list[InitErrorDetails] = []
    for index, value in enumerate(values):
        if value.code in seen:
            errors.append(
                InitErrorDetails(
                    type=PydanticCustomError(
                        "duplicate_code",
                        "certification {code} is listed twice",
                        {"code": value.code},
                    ),
                    loc=(index,),
                    input=value.code,
                )
            )
        seen.add(value.code)
    if errors:
        raise ValidationError.from_exception_data("certifications", errors)
    return values


CertificationList = Annotated[
    list[CertificationIn], Field(max_length=MAX_CODES), AfterValidator(_unique_codes)
]


class OrganizationCreate(StrictModel):
    name: str = Field(min_length=1, max_length=200, examples=["Musterweberei GmbH"])
    kind: OrganizationKind
    location: Location | None = Field(
        default=None, description="Coordinates; required unless the address can be resolved"
    )
    address: Address | None = None
    certifications: CertificationList = Field(default_factory=list)
    contact: Contact | None = None
    description: str | None = Field(default=None, max_length=5000)
    website: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")
    external_ref: ExternalRef | None = None


class OrganizationUpdate(PatchModel):
    clearable = frozenset({"address", "contact", "description", "website", "external_ref"})

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: OrganizationKind | None = None
    location: Location | None = None
    address: Address | None = None
    certifications: CertificationList | None = Field(
        default=None, description="Replaces the whole list"
    )
    contact: Contact | None = None
    description: str | None = Field(default=None, max_length=5000)
    website: str | None = Field(default=None, max_length=500, pattern=r"^https?://\S+$")
    external_ref: ExternalRef | None = None


class Verification(StrictModel):
    verified: bool


class CertificationOut(OutModel):
    code: str
    status: CertificationStatus
    expected_by: date | None = Field(description="Set while the certification is in progress")
    valid_until: date | None
    certificate_number: str | None
    verified: bool = Field(description="Checked by the operator (held certifications only)")


def address_of(organization: Organization) -> Address | None:
    """The stored address as the API shows it (None unless postal code and country are set)."""
    if organization.postal_code is None or organization.country is None:
        return None
    return Address(
        street=organization.street,
        postal_code=organization.postal_code,
        city=organization.city,
        country=organization.country,
    )


class OrganizationOut(OutModel):
    id: str
    partner_id: str
    name: str
    kind: OrganizationKind
    location: Location | None
    address: Address | None
    region: str | None = Field(description="ISO 3166-2 subdivision, e.g. DE-BW")
    certifications: list[CertificationOut]
    contact: Contact | None
    description: str | None
    website: str | None
    verified: bool
    status: OrganizationStatus
    external_ref: str | None
    erased_at: datetime | None = Field(
        default=None, description="When its contact persons' data was erased (then closed)"
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, org: Organization) -> OrganizationOut:
        location = (
            Location(lat=org.lat, lon=org.lon)
            if org.lat is not None and org.lon is not None
            else None
        )
        address = address_of(org)
        contact = contact_of(org)
        return cls(
            id=org.id,
            partner_id=org.partner_id,
            name=org.name,
            kind=org.kind,
            location=location,
            address=address,
            region=org.region,
            certifications=[
                CertificationOut.model_validate(c)
                for c in sorted(org.certifications, key=lambda c: c.code)
            ],
            contact=contact,
            description=org.description,
            website=org.website,
            verified=org.verified,
            status=org.status,
            external_ref=org.external_ref,
            erased_at=org.erased_at,
            created_at=org.created_at,
            updated_at=org.updated_at,
        )


class EraseConfirmation(StrictModel):
    confirm: bool = Field(
        description="Must be true: erasing is irreversible",
        examples=[True],
        json_schema_extra={"const": True},
    )

    @field_validator("confirm")
    @classmethod
    def _confirmed(cls, value: bool) -> bool:
        if not value:
            raise ValueError("must be true: erasing cannot be undone")
        return value


class Erased(BaseModel):
    """What an erase removed for good."""

    organization_id: str
    erased_at: datetime
    contact: list[str] = Field(description="The contact fields that held data")
    removed: dict[str, int] = Field(
        description="Copies and texts removed, by kind: messages, notes, events, "
        "webhook_deliveries, idempotency_records"
    )
    organization: OrganizationOut
