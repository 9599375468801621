import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from actionplan.importers import PlanFileError
from actionplan.importers.yaml_plan import SUFFIXES, import_plan_file
from actionplan.models import Owner, Plan, PlanMembership, UpdateRound
from actionplan.rounds import open_round
from indicators.importers import IndicatorFileError
from indicators.importers.yaml_file import import_indicator_file
from indicators.models import Directorate, DirectorateMembership
from partnerships.importers import PartnershipFileError, import_partnerships_file
from partnerships.models import Meeting, Partnership

DEMO_ROUND_MEETING = datetime.date(2018, 11, 15)

# Demo sign-ins for `make run`, listed in README. Never created with DEBUG off.
# "person" links the sign-in to an owner by initials; "role" is the user's role in every seeded plan;
# "directorate" makes the user that directorate's performance officer (enters its indicator values).
DEMO_USERS: list[dict[str, Any]] = [
    {
        "username": "admin",
        "password": "hwb-demo-admin",
        "is_staff": True,
        "is_superuser": True,
        "first_name": "Demo",
        "last_name": "Administrator",
        "what": "superuser: everything, and the Django admin",
    },
    {
        "username": "plan-admin",
        "password": "hwb-demo-plan-admin",
        "role": PlanMembership.Role.ADMIN,
        "board_admin": "hwb",
        "first_name": "Demo",
        "last_name": "Plan admin",
        "what": "plan admin, and the HWB's admin: edits actions, opens update rounds, records board decisions",
    },
    {
        "username": "kt-officer",
        "password": "hwb-demo-officer",
        "person": "KT",
        "role": PlanMembership.Role.OFFICER,
        "directorate": "social-and-community-services",
        "first_name": "Kate",
        "last_name": "Terroni",
        "what": "officer linked to KT: updates KT's actions, enters Social and Community Services indicator values",
    },
    {
        "username": "kc-owner",
        "password": "hwb-demo-owner",
        "person": "KC",
        "role": PlanMembership.Role.OFFICER,
        "first_name": "Kiren",
        "last_name": "Collison",
        "what": "accountable owner linked to KC: signs off (or returns) the updates on KC's actions, KT's included",
    },
    {
        "username": "hwb-member",
        "password": "hwb-demo-member",
        "role": PlanMembership.Role.VIEWER,
        "first_name": "Demo",
        "last_name": "HWB member",
        "what": "viewer (HWB member): reads, changes nothing",
    },
]


class Command(BaseCommand):
    help = (
        "Load every seed fixture (partnerships, indicators, fixtures/plans) into an empty database, and create "
        "the demo users (development only). A database that has plans keeps them: --reload loads the seeds again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fixtures", default=str(Path(settings.BASE_DIR) / "fixtures" / "plans"))
        parser.add_argument(
            "--reload",
            action="store_true",
            help="Load the seed fixtures even into a database that has plans: undoes changes made in the browser.",
        )

    def handle(self, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with published passwords: it only runs with DJANGO_DEBUG=1.")
        # Importing a seed plan again would put back what it says over any edit made since (titles,
        # owners, dates): `make run` runs this every time, so only an empty database is seeded.
        if Plan.objects.exists() and not options["reload"]:
            self.stdout.write(
                "The database already has plans, so the seed fixtures were not loaded again and changes made in the "
                "browser are kept. To load them again (undoing changes to the seeded plans): "
                "manage.py seed_demo --reload"
            )
        else:
            self._load_fixtures(Path(options["fixtures"]))
        self._create_demo_users()

    def _load_fixtures(self, plans_folder: Path) -> None:
        try:
            report = import_partnerships_file(Path(settings.BASE_DIR) / "fixtures" / "partnerships.yaml")
        except PartnershipFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Imported partnerships.yaml: {report}")
        # Indicators before plans: plan files name the indicators their actions are meant to move.
        for path in sorted((Path(settings.BASE_DIR) / "fixtures" / "indicators").glob("*.yaml")):
            try:
                indicators_report = import_indicator_file(path)
            except IndicatorFileError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Imported {path.name}: {indicators_report}")

        paths = sorted(p for p in plans_folder.iterdir() if p.suffix.lower() in SUFFIXES)
        for path in paths:
            try:
                plan_report = import_plan_file(path)
            except PlanFileError as error:
                raise CommandError(str(error)) from None
            self.stdout.write(f"Imported {path.name}: {plan_report}")

    def _create_demo_users(self) -> None:
        User = get_user_model()
        for spec in DEMO_USERS:
            spec = dict(spec)
            password = spec.pop("password")
            spec.pop("what")
            person, role = spec.pop("person", None), spec.pop("role", None)
            directorate, board = spec.pop("directorate", None), spec.pop("board_admin", None)
            user, _ = User.objects.update_or_create(username=spec.pop("username"), defaults=spec)
            user.set_password(password)
            user.save()
            if person:
                Owner.objects.filter(code=person).update(user=user)
            if role:
                for plan in Plan.objects.all():
                    PlanMembership.objects.update_or_create(plan=plan, user=user, defaults={"role": role})
            if directorate:
                DirectorateMembership.objects.update_or_create(
                    directorate=Directorate.objects.get(slug=directorate),
                    user=user,
                    defaults={"role": DirectorateMembership.Role.OFFICER},
                )
            if board:
                Partnership.objects.get(slug=board).admins.add(user)
        self._open_demo_round()
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Sign in with:"))
        for spec in DEMO_USERS:
            self.stdout.write(f"  username {spec['username']:<11} password {spec['password']:<20} {spec['what']}")

    def _open_demo_round(self) -> None:
        """The update round for the HWB's meeting of 15 November 2018 (the fixture's meetings are all
        past by now), over every plan the HWB assures, opening four weeks before it."""
        meeting = Meeting.objects.filter(partnership__slug="hwb", date=DEMO_ROUND_MEETING).first()
        if meeting is None or UpdateRound.objects.filter(meeting=meeting).exists():
            return
        update_round = UpdateRound.objects.create(
            meeting=meeting,
            opens_on=meeting.date - datetime.timedelta(days=28),
            deadline=UpdateRound.default_deadline(meeting.date),
            message="Please update every open action before the board's meeting in public.",
        )
        update_round.plans.set(Plan.objects.filter(board__in=Partnership.objects.family_ids(meeting.partnership)))
        chosen = open_round(update_round, timezone.now())
        self.stdout.write(f"Opened the {update_round}: {chosen} actions")
