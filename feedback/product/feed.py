"""What customers told the product team, as the product team may see it.

Privacy rule (DESIGN.md): the product team reads only what a customer wrote *for
them* (the product comment) and the doubts about promises (the answer that says
something was promised that may not exist, with its note). It never sees who the
salesperson was, the team, or any score, so nothing here can be used to judge a
person. The customer's name, email and company appear only on answers where the
customer ticked "the product team may contact me"; otherwise the item is
anonymous. Items are dated by the week of the conversation, like anonymous
answers elsewhere.

This module is the one reader of responses for the product role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from feedback.models import Customer, Engagement, Invitation, Response

PAGE_SIZE = 50


@dataclass(frozen=True)
class Contact:
    name: str
    email: str
    company: str


@dataclass(frozen=True)
class ProductItem:
    """One answer as the product team sees it. Deliberately no salesperson, team or score."""

    id: int
    week_start: date
    product_comment: str
    doubtful_promise: bool
    promise_note: str
    #: Only where the customer said the product team may contact them.
    contact: Contact | None


@dataclass(frozen=True)
class FeedPage:
    items: list[ProductItem]
    page: int
    has_next: bool


def _relevant():
    return or_(Response.product_comment != "", Response.doubtful_promise.is_(True))


def feed(session: Session, page: int = 1, page_size: int = PAGE_SIZE) -> FeedPage:
    """Product comments and doubted promises, newest first, one page at a time."""
    page = max(1, page)
    rows = session.execute(
        select(Response.id, Response.week_start, Response.product_comment,
               Response.doubtful_promise, Response.promise_note, Response.product_contact_ok,
               Customer.name, Customer.email, Customer.company)
        .join(Invitation, Invitation.id == Response.invitation_id)
        .join(Engagement, Engagement.id == Invitation.engagement_id)
        .join(Customer, Customer.id == Engagement.customer_id)
        .where(_relevant())
        .order_by(Response.submitted_at.desc(), Response.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    ).all()
    items = [
        ProductItem(
            id=row.id, week_start=row.week_start, product_comment=row.product_comment,
            doubtful_promise=row.doubtful_promise,
            promise_note=row.promise_note if row.doubtful_promise else "",
            contact=(Contact(row.name, row.email, row.company)
                     if row.product_contact_ok and row.product_comment else None),
        )
        for row in rows[:page_size]
    ]
    return FeedPage(items=items, page=page, has_next=len(rows) > page_size)


def count(session: Session) -> int:
    """How many answers the feed holds in all."""
    return int(session.execute(select(func.count(Response.id)).where(_relevant())).scalar_one())
