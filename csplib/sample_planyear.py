"""The synthetic sample's year on paper: Synthshire's county agreement (with its Police
and Crime Commissioner's plan), Synthchester's action plan and the timetable of the
2023/24 assessment, written beside the sample data in ``plan/``.

Invented like the rest of the sample: no real county, commissioner, officer or action.
The county agreement aligns the priorities of ``parameters/plan_synthchester.yaml``;
``parameters/synthchester_2023-24.yaml`` names these files under ``plan_year``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

COUNTY_AGREEMENT = """\
# Synthshire's county community safety agreement and its PCC plan: SYNTHETIC sample data
# (csplib.sample_planyear). Everything here is invented. Layout and rules:
# data/templates/county_agreement_template.yaml and data/templates/README.md.

county: Synthshire (synthetic)
agreement: Synthshire Community Safety Agreement 2022-25 (synthetic)
period: "2022-25"
synthetic: true

priorities:
  - id: vawg
    name: Domestic abuse and violence against women and girls
  - id: serious_violence
    name: Serious violence
  - id: asb
    name: Anti-social behaviour
  - id: substance_misuse
    name: Substance misuse
  - id: reoffending
    name: Reducing reoffending
  - id: road_safety
    name: Road safety
  - id: exploitation
    name: Exploitation of children and vulnerable adults

themes:
  - id: early_intervention
    name: Early intervention and prevention
  - id: safeguarding
    name: Safeguarding vulnerable people
  - id: confidence
    name: Public confidence
  - id: offenders
    name: Managing offenders

pcc_plan:
  name: Synthshire Police and Crime Plan 2021-25 (synthetic)
  period: "2021-25"
  priorities:
    - id: victims
      name: Put victims first
    - id: violence
      name: Tackle violence and exploitation
    - id: neighbourhoods
      name: Safer neighbourhoods
    - id: roads
      name: Safer roads
    - id: rural
      name: Tackle rural crime

alignment:
  - partnership_priority: Anti-social behaviour and drug-related harm
    county_priorities: [asb, substance_misuse]
    themes: [early_intervention, confidence]
    pcc_priorities: [neighbourhoods]
  - partnership_priority: Domestic abuse
    county_priorities: [vawg]
    themes: [early_intervention, safeguarding]
    pcc_priorities: [victims]
  - partnership_priority: Violent crime
    county_priorities: [serious_violence]
    themes: [confidence, offenders]
    pcc_priorities: [violence]
  - partnership_priority: Shop theft and acquisitive crime
    county_priorities: []
    themes: [confidence]
    pcc_priorities: [neighbourhoods]
    notes: A local priority set by the town centre's retailers; the county has none.
  - partnership_priority: Reducing reoffending and youth offending
    county_priorities: [reoffending]
    themes: [early_intervention, offenders]
    pcc_priorities: []
  - partnership_priority: Road safety
    county_priorities: [road_safety]
    themes: [early_intervention]
    pcc_priorities: [roads]
"""

TIMETABLE = """\
# The timetable of Synthchester's 2023/24 strategic assessment: SYNTHETIC sample data
# (csplib.sample_planyear). Milestones not named keep their defaults (draft in December
# 2024, consultation 1 January to 28 February 2025, approval in March, cabinet and
# council in April, launch in May). Layout: data/templates/timetable_template.yaml.

year: "2023/24"
milestones:
  draft:
    start: 2024-12-04
    end: 2024-12-04
    who: Synthchester Community Safety Partnership board (synthetic)
  scrutiny:
    title: Crime and disorder scrutiny committee
    who: Synthchester Council overview and scrutiny (synthetic)
    start: 2025-03-11
    end: 2025-03-11
  approval:
    start: 2025-03-19
    end: 2025-03-19
  cabinet:
    start: 2025-04-09
    end: 2025-04-09
  council:
    start: 2025-04-23
    end: 2025-04-23
"""

_LEADS = {
    "Anti-social behaviour and drug-related harm": (
        "ASB and Drugs Tasking Group", "Synthchester Council (synthetic)",
        "Community Protection Manager"),
    "Domestic abuse": (
        "Domestic Abuse Forum", "Synthchester Council (synthetic)", "Domestic Abuse Coordinator"),
    "Violent crime": (
        "Night-Time Economy Group", "Synthshire Police (synthetic)", "District Commander"),
    "Shop theft and acquisitive crime": (
        "Business Crime Partnership", "Synthchester Business Crime Partnership (synthetic)",
        "Partnership Manager"),
    "Reducing reoffending and youth offending": (
        "Reducing Reoffending Board", "Synthshire Probation (synthetic)", "Head of Service"),
    "Road safety": (
        "Road Safety Group", "Synthshire County Council (synthetic)", "Road Safety Officer"),
}  # fmt: skip

#: (priority, id, action, owner, due, status, completed_on, note, updated_on)
_ACTIONS = [
    ("Anti-social behaviour and drug-related harm", "ASB-01",
     "Map ASB hotspots each quarter and agree joint patrols", "ASB Officer",
     "2023-06-30", "completed", "2023-06-21", "Quarterly maps in use since June", "2023-07-03"),
    ("Anti-social behaviour and drug-related harm", "ASB-02",
     "Extend needle collection to parks and play areas", "Street Care Manager",
     "2023-09-30", "completed", "2023-10-12", "Done two weeks late: contractor changed",
     "2023-10-16"),
    ("Anti-social behaviour and drug-related harm", "ASB-03",
     "Review the town centre public spaces protection order", "Community Protection Manager",
     "2024-01-31", "delayed", "", "Waiting for the consultation on the new order",
     "2024-03-01"),
    ("Domestic abuse", "DA-01", "Train front-line housing staff to recognise coercive control",
     "Domestic Abuse Coordinator", "2023-09-30", "completed", "2023-09-14",
     "Six sessions, 140 staff trained", "2023-10-02"),
    ("Domestic abuse", "DA-02", "Open a second one-stop shop in the north of the district",
     "Housing Options Lead", "2024-03-31", "at risk", "", "Venue not yet agreed",
     "2024-03-01"),
    ("Domestic abuse", "DA-03", "Audit MARAC referrals from partners other than the police",
     "MARAC Chair", "2024-02-29", "completed", "2024-02-20", "Audit reported to the forum",
     "2024-03-01"),
    ("Violent crime", "VC-01", "Put trained street marshals in the town centre on weekend nights",
     "Licensing Manager", "2023-07-31", "completed", "2023-07-28", "Marshals out since July",
     "2023-08-01"),
    ("Violent crime", "VC-02", "Run knife crime education in every secondary school",
     "Youth Engagement Officer", "2024-03-31", "on track", "", "Nine of twelve schools done",
     "2024-03-01"),
    ("Violent crime", "VC-03", "Agree a robbery problem-solving plan with the police",
     "District Commander", "2023-12-31", "not started", "", "", ""),
    ("Shop theft and acquisitive crime", "SHOP-01",
     "Share offender images through the business crime radio scheme", "Partnership Manager",
     "2023-10-31", "completed", "2023-10-05", "Forty shops signed up", "2023-10-09"),
    ("Shop theft and acquisitive crime", "SHOP-02", "Set up a retail crime reporting line",
     "Partnership Manager", "2024-06-30", "on track", "", "Funding agreed", "2024-03-01"),
    ("Reducing reoffending and youth offending", "RR-01",
     "Offer a diversion scheme for first-time young offenders", "Youth Justice Manager",
     "2023-11-30", "completed", "2023-11-30", "Scheme running", "2023-12-04"),
    ("Reducing reoffending and youth offending", "RR-02",
     "Find housing for prison leavers within a week of release", "Probation Housing Lead",
     "2024-03-31", "withdrawn", "", "Taken on by the county's own scheme", "2024-01-15"),
    ("Road safety", "RS-01", "Deliver the road safety programme to every Year 11 class",
     "Road Safety Officer", "2024-03-31", "completed", "2024-03-22", "All twelve schools",
     "2024-03-25"),
    ("Road safety", "RS-02", "Review speed limits on the three worst rural routes",
     "Highways Engineer", "2024-12-31", "on track", "", "Surveys under way", "2024-03-01"),
]  # fmt: skip

ACTIONS_HEADER = [
    "priority", "subgroup", "lead_agency", "lead_role", "action_id", "action", "owner", "due",
    "status", "completed_on", "progress_note", "updated_on",
]  # fmt: skip


def write_plan_year(out_dir: Path) -> dict[str, int]:
    """Write ``plan/county_agreement.yaml``, ``plan/action_plan.csv`` and
    ``plan/timetable.yaml`` into ``out_dir``; return their paths (relative, POSIX) with
    the data rows of each (actions for the CSV; priorities aligned, milestones changed
    for the YAML files)."""
    folder = Path(out_dir) / "plan"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "county_agreement.yaml").write_text(COUNTY_AGREEMENT, encoding="utf-8")
    (folder / "timetable.yaml").write_text(TIMETABLE, encoding="utf-8")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(ACTIONS_HEADER)
    for priority, *rest in _ACTIONS:
        writer.writerow([priority, *_LEADS[priority], *rest])
    (folder / "action_plan.csv").write_text(buf.getvalue(), encoding="utf-8")
    return {
        "plan/county_agreement.yaml": COUNTY_AGREEMENT.count("partnership_priority:"),
        "plan/action_plan.csv": len(_ACTIONS),
        "plan/timetable.yaml": TIMETABLE.count("    start:"),
    }
