"""Polite forms of address (张先生 / 李女士) for synthetic customers, made up deterministically.

The synthetic base carries a gender but no name; the script greets the customer by a
surname and title, so the demo derives one from the customer id (same id, same name).
"""

from __future__ import annotations

__all__ = ["SURNAMES", "address_for"]

SURNAMES: tuple[str, ...] = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
    "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
)


def address_for(customer_id: int, gender: str | None) -> str:
    """张先生 for men, 李女士 for women; an unknown gender gets the neutral 客户 after the surname."""
    # A multiplicative hash spreads consecutive ids over the surnames.
    surname = SURNAMES[(customer_id * 2654435761) % (2**32) % len(SURNAMES)]
    title = {"M": "先生", "F": "女士"}.get(str(gender or ""), "客户")
    return surname + title
