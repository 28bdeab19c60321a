"""Canonical vocabularies: police.uk crime types, offence groups, crime classes and forces.

Everything a loader needs to normalise names lives here, so that every source maps
onto the same words.
"""

from __future__ import annotations

import re

ASB = "Anti-social behaviour"

#: Current data.police.uk crime types -> (offence group, crime class).
#: Offence groups follow the Home Office groups as far as police.uk's 14 types allow;
#: violence against the person and sexual offences cannot be separated in police.uk.
CRIME_TYPES: dict[str, tuple[str, str]] = {
    "Violence and sexual offences": (
        "Violence against the person and sexual offences",
        "victim-based",
    ),
    "Robbery": ("Robbery", "victim-based"),
    "Burglary": ("Theft offences", "victim-based"),
    "Vehicle crime": ("Theft offences", "victim-based"),
    "Theft from the person": ("Theft offences", "victim-based"),
    "Bicycle theft": ("Theft offences", "victim-based"),
    "Shoplifting": ("Theft offences", "victim-based"),
    "Other theft": ("Theft offences", "victim-based"),
    "Criminal damage and arson": ("Criminal damage and arson", "victim-based"),
    "Drugs": ("Drug offences", "non-victim-based"),
    "Possession of weapons": ("Possession of weapons offences", "non-victim-based"),
    "Public order": ("Public order offences", "non-victim-based"),
    "Other crime": ("Miscellaneous crimes against society", "non-victim-based"),
    ASB: ("Anti-social behaviour", "ASB"),
}

#: Names data.police.uk used in earlier years, mapped onto the current type.
#: "Public disorder and weapons" (to 2013) was split into "Public order" and
#: "Possession of weapons"; rows cannot be split after the fact, so they map to
#: "Public order", the larger successor, and keep their original name in
#: ``crime_type_raw``.
LEGACY_CRIME_TYPES: dict[str, str] = {
    "Violent crime": "Violence and sexual offences",
    "Public disorder and weapons": "Public order",
    "Other theft and handling": "Other theft",
    "Anti social behaviour": ASB,
    "Antisocial behaviour": ASB,
}

CRIME_CLASSES = ("victim-based", "non-victim-based", "ASB")

#: Offence group -> crime class (each police.uk group lies wholly in one class).
GROUP_CLASS: dict[str, str] = {group: klass for group, klass in CRIME_TYPES.values()}


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("&", "and")).strip().casefold()


_LOOKUP: dict[str, str] = {_key(k): k for k in CRIME_TYPES}
_LOOKUP.update({_key(k): v for k, v in LEGACY_CRIME_TYPES.items()})


def normalise_crime_type(name: str | None) -> str | None:
    """Return the current police.uk crime type for ``name``, or None if unknown.

    >>> normalise_crime_type("Violent crime")
    'Violence and sexual offences'
    >>> normalise_crime_type("criminal damage & arson")
    'Criminal damage and arson'
    >>> normalise_crime_type("Fraud") is None
    True
    """
    if name is None:
        return None
    return _LOOKUP.get(_key(str(name)))


def offence_group(crime_type: str) -> str:
    """Offence group of a current crime type."""
    return CRIME_TYPES[crime_type][0]


def crime_class(crime_type: str) -> str:
    """'victim-based', 'non-victim-based' or 'ASB' for a current crime type."""
    return CRIME_TYPES[crime_type][1]


#: data.police.uk force identifiers (as in download file names) -> (force name as
#: in the "Falls within" column, police force area name as in the ONS lookups).
FORCES: dict[str, tuple[str, str | None]] = {
    "avon-and-somerset": ("Avon and Somerset Constabulary", "Avon and Somerset"),
    "bedfordshire": ("Bedfordshire Police", "Bedfordshire"),
    "cambridgeshire": ("Cambridgeshire Constabulary", "Cambridgeshire"),
    "cheshire": ("Cheshire Constabulary", "Cheshire"),
    "city-of-london": ("City of London Police", "London, City of"),
    "cleveland": ("Cleveland Police", "Cleveland"),
    "cumbria": ("Cumbria Constabulary", "Cumbria"),
    "derbyshire": ("Derbyshire Constabulary", "Derbyshire"),
    "devon-and-cornwall": ("Devon & Cornwall Police", "Devon & Cornwall"),
    "dorset": ("Dorset Police", "Dorset"),
    "durham": ("Durham Constabulary", "Durham"),
    "dyfed-powys": ("Dyfed-Powys Police", "Dyfed-Powys"),
    "essex": ("Essex Police", "Essex"),
    "gloucestershire": ("Gloucestershire Constabulary", "Gloucestershire"),
    "greater-manchester": ("Greater Manchester Police", "Greater Manchester"),
    "gwent": ("Gwent Police", "Gwent"),
    "hampshire": ("Hampshire Constabulary", "Hampshire"),
    "hertfordshire": ("Hertfordshire Constabulary", "Hertfordshire"),
    "humberside": ("Humberside Police", "Humberside"),
    "kent": ("Kent Police", "Kent"),
    "lancashire": ("Lancashire Constabulary", "Lancashire"),
    "leicestershire": ("Leicestershire Police", "Leicestershire"),
    "lincolnshire": ("Lincolnshire Police", "Lincolnshire"),
    "merseyside": ("Merseyside Police", "Merseyside"),
    "metropolitan": ("Metropolitan Police Service", "Metropolitan Police"),
    "norfolk": ("Norfolk Constabulary", "Norfolk"),
    "north-wales": ("North Wales Police", "North Wales"),
    "north-yorkshire": ("North Yorkshire Police", "North Yorkshire"),
    "northamptonshire": ("Northamptonshire Police", "Northamptonshire"),
    "northumbria": ("Northumbria Police", "Northumbria"),
    "nottinghamshire": ("Nottinghamshire Police", "Nottinghamshire"),
    "south-wales": ("South Wales Police", "South Wales"),
    "south-yorkshire": ("South Yorkshire Police", "South Yorkshire"),
    "staffordshire": ("Staffordshire Police", "Staffordshire"),
    "suffolk": ("Suffolk Constabulary", "Suffolk"),
    "surrey": ("Surrey Police", "Surrey"),
    "sussex": ("Sussex Police", "Sussex"),
    "thames-valley": ("Thames Valley Police", "Thames Valley"),
    "warwickshire": ("Warwickshire Police", "Warwickshire"),
    "west-mercia": ("West Mercia Police", "West Mercia"),
    "west-midlands": ("West Midlands Police", "West Midlands"),
    "west-yorkshire": ("West Yorkshire Police", "West Yorkshire"),
    "wiltshire": ("Wiltshire Police", "Wiltshire"),
    "btp": ("British Transport Police", None),
    "northern-ireland": ("Police Service of Northern Ireland", None),
    # The built-in synthetic sample's invented force (csplib.sample).
    "synthshire": ("Synthshire Police (synthetic)", "Synthshire (synthetic)"),
}


def slugify(text: str) -> str:
    """Lower-case, hyphenated identifier safe for file and folder names.

    >>> slugify("Dartford and Gravesham")
    'dartford-and-gravesham'
    >>> slugify("../../etc")
    'etc'
    """
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).casefold()).strip("-")
    return slug or "unnamed"


_FORCE_BY_NAME = {_key(name): slug for slug, (name, _pfa) in FORCES.items()}


def force_slug(name: str) -> str:
    """Identifier for a force from its 'Falls within' name (or any name).

    Known forces get their data.police.uk identifier; others (the sample
    county's invented force, say) get a slug of their name.

    >>> force_slug("Kent Police")
    'kent'
    >>> force_slug("Metropolitan Police Service")
    'metropolitan'
    """
    return _FORCE_BY_NAME.get(_key(name), slugify(name))
