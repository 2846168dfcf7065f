"""Figures for the roster import: a county's 30,000 members from one .xlsx. `make bench` runs this."""

import datetime
import io
import random
import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from psycopg2.extras import execute_values

from campaign.devdata.benchmarks import Report
from orgs.models import Member, Organization, Role, User
from orgs.roster.exporting import export_members
from orgs.roster.format import ImportKind, read_roster_file
from orgs.roster.services import roster_import_members, roster_import_organizations
from orgs.scoping import unscoped
from orgs.services import organization_create
from orgs.sheets.writing import PLAIN, Table, xlsx_tables

ROOT_CODE = "BENCHIMP"
MEMBER_HEADER = ["姓名", "性别", "民族", "出生日期", "入党日期", "党员状态", "职务", "所在组织编码", "联系电话"]
ORGANIZATION_HEADER = ["组织编码", "组织名称", "组织类别", "所属领域", "上级组织编码"]
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶安兰钟贺杜柯妥顾"
)
GIVEN = "建国秀英玉梅志强德明国庆长林永福海燕红霞文军春花桂兰卫东丽娟"


def workbook_bytes(header, rows) -> bytes:
    return xlsx_tables([Table(title="Sheet", header=header, rows=rows, widths=(), header_style=PLAIN)])


class Command(BaseCommand):
    help = "Time the Excel import of a county roster (default 30,000 members in 300 branches)."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=30_000)

    def handle(self, *args, members, **options):
        with unscoped("bench"):
            self.reset()
            root = organization_create(code=ROOT_CODE, name="基准县委", kind="county", sector="organ", parent=None)
            office, _created = User.objects.update_or_create(
                username="bench-office", defaults={"role": Role.OFFICE, "organization": root}
            )
            branches = self.import_tree(office)
            rows_data = self.member_rows(members, branches)
            content = self.timed("write the .xlsx", lambda: workbook_bytes(MEMBER_HEADER, rows_data))
            self.stdout.write(f"roster file: {members} members, {len(content) / 1e6:.1f} MB")
            start = time.perf_counter()
            rows = self.timed(
                "read the .xlsx",
                lambda: read_roster_file(io.BytesIO(content), kind=ImportKind.MEMBERS, extension=".xlsx"),
            )
            preview = self.timed(
                "preview (every check, no write)", lambda: roster_import_members(rows=rows, by=office, dry_run=True)
            )
            assert preview.ok, preview.errors[:3]
            started_write = time.perf_counter()
            result = self.timed("import (one transaction)", lambda: roster_import_members(rows=rows, by=office))
            finished = time.perf_counter()
            assert result.created == members, (result.created, result.errors[:3])
            bare = self.bare_insert(root)
            report = Report(self.stdout, "excel import")
            report.figure(
                f"import of {members:,} members from .xlsx: upload to stored",
                finished - start,
                "s",
                reference=bare,
                reference_name="bare INSERT of the same rows",
                detail="read, preview with every check, then the import's transaction",
            )
            report.figure(
                "of which the import's transaction",
                finished - started_write,
                "s",
                reference=bare,
                reference_name="bare INSERT of the same rows",
                detail="every check again, then the rows",
            )
            again = self.timed("re-import of the same file", lambda: roster_import_members(rows=rows, by=office))
            assert again.unchanged == members
            exported = self.timed("export to .xlsx", lambda: export_members(by=office))
            assert exported
            report.save()

    def bare_insert(self, root) -> float:
        """The imported members' rows inserted again by psycopg2 alone (execute_values, one
        transaction, rolled back): the database's own cost of storing the import."""
        columns = [field.column for field in Member._meta.concrete_fields if not field.primary_key]
        listed = ", ".join(f"m.{column}" for column in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT m.id, {listed} FROM orgs_member m JOIN orgs_organization o ON o.id = m.organization_id "
                "WHERE o.path LIKE %s",
                [root.path + "%"],
            )
            fetched = cursor.fetchall()
        with transaction.atomic(), connection.cursor() as cursor:
            # Out of the way first (not timed): the rows go back in under new ids.
            cursor.execute("DELETE FROM orgs_member WHERE id = ANY(%s)", [[row[0] for row in fetched]])
            start = time.perf_counter()
            execute_values(
                cursor.cursor,
                f"INSERT INTO orgs_member ({', '.join(columns)}) VALUES %s",
                [row[1:] for row in fetched],
                page_size=1000,
            )
            seconds = time.perf_counter() - start
            transaction.set_rollback(True)
        return seconds

    def timed(self, label, function):
        start = time.perf_counter()
        value = function()
        self.stdout.write(f"{label}: {time.perf_counter() - start:.2f} s")
        return value

    @transaction.atomic
    def reset(self):
        root = Organization.objects.filter(code=ROOT_CODE).first()
        if root is None:
            return
        Member.objects.filter(organization__path__startswith=root.path).delete()
        User.objects.filter(username="bench-office").delete()
        # Deepest first: parents are protected while they have children.
        for organization in sorted(Organization.objects.filter(path__startswith=root.path), key=lambda o: -len(o.path)):
            organization.delete()

    def import_tree(self, office):
        rows, branches = [], []
        for township in range(12):
            township_code = f"{ROOT_CODE}-T{township:02d}"
            rows.append([township_code, f"第{township + 1}乡镇党委", "党委", "农牧村", ROOT_CODE])
            for branch in range(25):
                code = f"{township_code}-B{branch:02d}"
                branches.append(code)
                rows.append([code, f"第{township + 1}乡镇第{branch + 1}村党支部", "党支部", "农牧村", township_code])
        parsed = read_roster_file(
            io.BytesIO(workbook_bytes(ORGANIZATION_HEADER, rows)), kind=ImportKind.ORGANIZATIONS, extension=".xlsx"
        )
        result = self.timed(
            f"import {len(rows)} organizations", lambda: roster_import_organizations(rows=parsed, by=office)
        )
        assert result.created == len(rows), result.errors[:3]
        return branches

    def member_rows(self, count, branches):
        generator = random.Random(2010)
        rows = []
        for index in range(count):
            birth = datetime.date(1945, 1, 1) + datetime.timedelta(days=generator.randrange(45 * 365))
            joined = birth + datetime.timedelta(days=18 * 366 + generator.randrange(3000))
            name = generator.choice(SURNAMES) + generator.choice(GIVEN) + generator.choice(GIVEN)
            rows.append(
                [
                    f"{name}{index}",
                    generator.choice("男女"),
                    generator.choice(["汉族", "裕固族", "藏族", "蒙古族"]),
                    birth,
                    joined.strftime("%Y/%m/%d"),
                    generator.choice(["正式党员", "预备党员"]),
                    generator.choice(["党员"] * 8 + ["书记", "委员"]),
                    generator.choice(branches),
                    f"139{index:08d}",
                ]
            )
        return rows
