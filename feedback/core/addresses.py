"""Email addresses as the rest of the system compares them."""

from email_validator import EmailNotValidError, validate_email


def normalise_email(address: str) -> str:
    """Lower-case and strip an address so one person is one row."""
    return address.strip().lower()


def domain_of(address: str) -> str:
    """The part after the last "@" of a normalised address."""
    return address.rsplit("@", 1)[-1]


def is_valid_email(address: str) -> bool:
    """Syntax check only: never a DNS lookup while someone waits."""
    try:
        validate_email(address, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True
