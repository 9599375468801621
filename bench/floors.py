"""The floors the pages are measured against: the same numbers and rows in hand-written SQL for
PostgreSQL, as a DBA would write them against the same tables, with no Django, no templates and
no HTTP. What the app does beyond its floor is its own cost (the ORM, rendering, middleware).

The rules are written out again here in SQL, for the bench only: bench/dashboard.py checks that
every floor's RAG counts equal the app's, so the floor does the same work the page does.

Each function takes a cursor and returns what it fetched. Today's picture reads the progress kept
on each action (Action.progress_*); a past date reads each action's latest update and revision as
they stood, one LATERAL index lookup each. Neither reads the kept per-priority summaries: the floor
counts every action the page covers, as the app did before it kept them.
"""

# Each action's picture on %(on)s, from its own progress columns (today) or its updates as at then.
_KEPT = (
    "a.progress_rag AS latest_rag, a.progress_reported_on AS last_reported_on, "
    "a.progress_revised_due_date AS revised_due_date",
    "",
)
_AS_AT = (
    "lu.rag AS latest_rag, lu.reported_on AS last_reported_on, lr.revised_due_date",
    """
    LEFT JOIN LATERAL (
        SELECT u.rag, u.reported_on FROM actionplan_progressupdate u
        WHERE u.action_id = a.id AND u.reported_on <= %(on)s
        ORDER BY u.reported_on DESC, u.created_at DESC, u.id DESC LIMIT 1) lu ON true
    LEFT JOIN LATERAL (
        SELECT u.revised_due_date FROM actionplan_progressupdate u
        WHERE u.action_id = a.id AND u.reported_on <= %(on)s AND u.revised_due_date IS NOT NULL
        ORDER BY u.reported_on DESC, u.created_at DESC, u.id DESC LIMIT 1) lr ON true""",
)


def picture(scope, as_at):
    """SQL for each action in `scope` (a condition on `a`) with its picture on %(on)s."""
    columns, joins = _AS_AT if as_at else _KEPT
    return f"""
    SELECT p.*,
        CASE WHEN complete THEN 'complete' WHEN cur IS NULL THEN 'no_date' WHEN cur < %(on)s THEN 'overdue'
             WHEN cur <= due_soon_until THEN 'due_soon' ELSE 'on_track' END AS status,
        COALESCE(NULLIF(latest_rag, ''), CASE WHEN complete THEN 'complete' WHEN cur < %(on)s THEN 'red'
             WHEN cur <= due_soon_until AND quiet THEN 'amber' ELSE 'green' END) AS rag,
        NOT complete AND (last_reported_on IS NULL OR last_reported_on < stale_unless_since) AS stale,
        NOT complete AND COALESCE(revised_due_date > due_date, false) AS slipped,
        COALESCE((latest_rag = 'green' AND (cur < %(on)s OR (cur <= due_soon_until AND quiet)))
                 OR (latest_rag = 'amber' AND cur < %(on)s), false) AS disagrees
    FROM (
        SELECT b.*, COALESCE(b.revised_due_date, b.due_date) AS cur,
            COALESCE(b.latest_rag = 'complete', false) AS complete,
            (b.last_reported_on IS NULL OR b.last_reported_on < %(on)s::date - 30) AS quiet
        FROM (
            SELECT a.id, a.plan_id, a.priority_id, a.parent_id, a.position, a.code, a.title, a.due_date,
                {columns},
                %(on)s::date + pl.due_soon_days AS due_soon_until,
                %(on)s::date - pl.stale_after_days AS stale_unless_since
            FROM actionplan_action a JOIN actionplan_plan pl ON pl.id = a.plan_id {joins}
            WHERE {scope}
        ) b
    ) p"""


# RagSummary's figures, in its order: (name, SQL over a picture's columns).
FIGURES = [
    ("red", "count(*) FILTER (WHERE rag = 'red')"),
    ("amber", "count(*) FILTER (WHERE rag = 'amber')"),
    ("green", "count(*) FILTER (WHERE rag = 'green')"),
    ("complete", "count(*) FILTER (WHERE rag = 'complete')"),
    ("not_started", "count(*) FILTER (WHERE rag = 'not_started')"),
    ("total", "count(*)"),
    ("overdue", "count(*) FILTER (WHERE status = 'overdue')"),
    ("due_soon", "count(*) FILTER (WHERE status = 'due_soon')"),
    ("no_date", "count(*) FILTER (WHERE status = 'no_date')"),
    ("stale", "count(*) FILTER (WHERE stale)"),
    ("slipped", "count(*) FILTER (WHERE slipped)"),
    ("disagreements", "count(*) FILTER (WHERE disagrees)"),
]
FIGURE_NAMES = [name for name, _ in FIGURES]
COUNTS = ", ".join(sql for _, sql in FIGURES)


def summaries(cursor, key, scope, params, as_at):
    """{key value: {figure: count}} for the actions in `scope` on params["on"]."""
    cursor.execute(f"SELECT x.{key}, {COUNTS} FROM ({picture(scope, as_at)}) x GROUP BY x.{key}", params)
    return {row[0]: dict(zip(FIGURE_NAMES, row[1:], strict=True)) for row in cursor.fetchall()}


def _owners_of(cursor, ids):
    """Each action's named owners and its key action's, with their organisations, for a few actions."""
    cursor.execute(
        """
        SELECT t.action_id, 'accountable', o.code, o.name FROM actionplan_action_accountable t
            JOIN actionplan_owner o ON o.id = t.owner_id
            WHERE t.action_id IN (SELECT id FROM actionplan_action WHERE id = ANY(%(ids)s)
                                  UNION SELECT parent_id FROM actionplan_action WHERE id = ANY(%(ids)s))
        UNION ALL
        SELECT t.action_id, 'responsible', o.code, o.name FROM actionplan_action_responsible t
            JOIN actionplan_owner o ON o.id = t.owner_id
            WHERE t.action_id IN (SELECT id FROM actionplan_action WHERE id = ANY(%(ids)s)
                                  UNION SELECT parent_id FROM actionplan_action WHERE id = ANY(%(ids)s))
        """,
        {"ids": list(ids)},
    )
    return cursor.fetchall()


def _ranked(cursor, plan_pictures, params, role, by_organisation=False):
    """The first ten owners (or organisations) of a plan's actions in `role`, most overdue and Red
    first, with their Red, overdue, stale and total counts, and how many there are in all. A
    sub-action naming no one in the role counts as its key action's."""
    through = f"actionplan_action_{role}"
    counted = "DISTINCT x.id" if by_organisation else "*"
    who = "o.organisation_id" if by_organisation else "o.id"
    cursor.execute(
        f"""
        WITH x AS ({plan_pictures}),
        named AS (
            SELECT x.*, t.owner_id FROM x JOIN {through} t ON t.action_id = x.id
            UNION ALL
            SELECT x.*, t.owner_id FROM x JOIN {through} t ON t.action_id = x.parent_id
            WHERE NOT EXISTS (SELECT 1 FROM {through} s WHERE s.action_id = x.id)
        ),
        counts AS (
            SELECT {who} AS who,
                count({counted}) FILTER (WHERE x.status = 'overdue') AS overdue,
                count({counted}) FILTER (WHERE x.rag = 'red') AS red,
                count({counted}) FILTER (WHERE x.stale) AS stale,
                count({counted}) AS total
            FROM named x JOIN actionplan_owner o ON o.id = x.owner_id
            WHERE {who} IS NOT NULL GROUP BY {who}
        )
        SELECT counts.*, count(*) OVER () AS named FROM counts ORDER BY overdue DESC, red DESC, total DESC, who
        LIMIT 10
        """,
        params,
    )
    rows = cursor.fetchall()
    table = "partnerships_organisation" if by_organisation else "actionplan_owner"
    cursor.execute(f"SELECT id, code, name FROM {table} WHERE id = ANY(%s)", [[row[0] for row in rows]])
    return rows, cursor.fetchall()


def dashboard(cursor, on, plans, chosen, as_at):
    """The dashboard: every plan in `plans` counted, and plan `chosen` in detail."""
    params = {"on": on, "plans": list(plans), "plan": chosen}
    cursor.execute(
        "SELECT p.id, p.slug, p.title, b.name FROM actionplan_plan p "
        "LEFT JOIN partnerships_partnership b ON b.id = p.board_id WHERE p.id = ANY(%(plans)s) ORDER BY p.title",
        params,
    )
    listed = cursor.fetchall()
    by_plan = summaries(cursor, "plan_id", "a.plan_id = ANY(%(plans)s)", params, as_at)
    cursor.execute(
        "SELECT id, code, text FROM actionplan_strategicpriority WHERE plan_id = %(plan)s ORDER BY position", params
    )
    priorities = cursor.fetchall()
    by_priority = summaries(cursor, "priority_id", "a.plan_id = %(plan)s", params, as_at)
    plan_pictures = picture("a.plan_id = %(plan)s", as_at)
    lists = {}
    for kind, condition, order in [
        ("overdue", "x.status = 'overdue'", "x.cur, x.position"),
        ("slipped", "x.slipped", "x.cur, x.position"),
        ("stale", "x.stale", "x.last_reported_on NULLS FIRST, x.position"),
    ]:
        cursor.execute(
            f"""SELECT x.*, k.code, (SELECT f.due_date + 1 FROM actionplan_overdueflag f
                    WHERE f.action_id = x.id AND f.cleared_at IS NULL) AS overdue_since
                FROM ({plan_pictures}) x LEFT JOIN actionplan_action k ON k.id = x.parent_id
                WHERE {condition} ORDER BY {order} LIMIT 10""",
            params,
        )
        lists[kind] = cursor.fetchall()
    owners = _owners_of(cursor, [row[0] for rows in lists.values() for row in rows])
    ranked = {
        "accountable": _ranked(cursor, plan_pictures, params, "accountable"),
        "responsible": _ranked(cursor, plan_pictures, params, "responsible"),
        "organisation": _ranked(cursor, plan_pictures, params, "responsible", by_organisation=True),
    }
    return {
        "plans": listed,
        "by_plan": by_plan,
        "priorities": priorities,
        "by_priority": by_priority,
        "lists": lists,
        "owners": owners,
        "ranked": ranked,
    }


def board_report(cursor, plan, on, since):
    """A plan's board report on `on`, with the changes since `since` (both past dates)."""
    scope = "a.plan_id = %(plan)s"
    now = {"on": on, "plan": plan}
    then = {"on": since, "plan": plan}
    cursor.execute("SELECT id, slug, title, board_id, stale_after_days FROM actionplan_plan WHERE id = %s", [plan])
    cursor.fetchall()
    cursor.execute(
        "SELECT m.date FROM partnerships_meeting m JOIN actionplan_plan p ON p.board_id = m.partnership_id "
        "WHERE p.id = %s ORDER BY m.date",
        [plan],
    )
    cursor.fetchall()
    summary = summaries(cursor, "plan_id", scope, now, True)
    previous = summaries(cursor, "plan_id", scope, then, True)
    cursor.execute(
        f"""SELECT x.*, u.narrative, u.reported_on, au.username FROM ({picture(scope, True)}) x
            LEFT JOIN LATERAL (SELECT v.narrative, v.reported_on, v.author_id FROM actionplan_progressupdate v
                WHERE v.action_id = x.id AND v.reported_on <= %(on)s
                ORDER BY v.reported_on DESC, v.created_at DESC, v.id DESC LIMIT 1) u ON true
            LEFT JOIN auth_user au ON au.id = u.author_id
            WHERE x.rag = 'red' OR x.status = 'overdue' OR x.slipped OR x.stale ORDER BY x.position""",
        now,
    )
    exceptions = cursor.fetchall()
    owners = _owners_of(cursor, [row[0] for row in exceptions])
    cursor.execute(
        f"""SELECT n.id, n.code, n.title, t.rag, n.rag FROM ({picture(scope, True)}) n
            JOIN ({picture(scope, True).replace("%(on)s", "%(since)s")}) t ON t.id = n.id
            WHERE t.rag <> n.rag ORDER BY n.position""",
        {**now, "since": since},
    )
    rag_changes = cursor.fetchall()
    cursor.execute(
        """SELECT u.*, a.code, a.title, au.username FROM actionplan_progressupdate u
            JOIN actionplan_action a ON a.id = u.action_id LEFT JOIN auth_user au ON au.id = u.author_id
            WHERE a.plan_id = %(plan)s AND u.reported_on > %(since)s AND u.reported_on <= %(on)s
            ORDER BY u.reported_on DESC, a.position""",
        {**now, "since": since},
    )
    updates = cursor.fetchall()
    return {
        "summary": summary,
        "previous": previous,
        "exceptions": exceptions,
        "owners": owners,
        "rag_changes": rag_changes,
        "updates": updates,
    }


def action_list(cursor, on, plans, condition, order, readable, as_at=False):
    """The action list over `plans`, narrowed by `condition` (on the picture `x`), first page; the
    filter form offers the plans, owners and organisations of `readable` (the plans the reader sees)."""
    params = {"on": on, "plans": list(plans), "readable": list(readable)}
    pictures = picture("a.plan_id = ANY(%(plans)s)", as_at)
    cursor.execute(f"SELECT count(*) FROM ({pictures}) x WHERE {condition}", params)
    count = cursor.fetchone()[0]
    cursor.execute(
        f"""SELECT x.*, pl.title FROM ({pictures}) x JOIN actionplan_plan pl ON pl.id = x.plan_id
            WHERE {condition} ORDER BY {order} LIMIT 50""",
        params,
    )
    rows = cursor.fetchall()
    owners = _owners_of(cursor, [row[0] for row in rows])
    # The filter form: the plans, organisations and owners to choose from.
    cursor.execute("SELECT id, slug, title FROM actionplan_plan WHERE id = ANY(%(readable)s) ORDER BY title", params)
    cursor.fetchall()
    cursor.execute(
        """SELECT DISTINCT o.id, o.code, o.name FROM actionplan_owner o WHERE o.id IN (
               SELECT owner_id FROM actionplan_action_accountable t JOIN actionplan_action a ON a.id = t.action_id
               WHERE a.plan_id = ANY(%(readable)s)
               UNION SELECT owner_id FROM actionplan_action_responsible t
               JOIN actionplan_action a ON a.id = t.action_id WHERE a.plan_id = ANY(%(readable)s))""",
        params,
    )
    named = cursor.fetchall()
    cursor.execute(
        "SELECT DISTINCT g.id, g.code, g.name FROM partnerships_organisation g WHERE g.id IN ("
        "SELECT organisation_id FROM actionplan_plan_organisations WHERE plan_id = ANY(%(readable)s) "
        "UNION SELECT organisation_id FROM actionplan_owner WHERE id = ANY(%(owners)s)) ORDER BY g.name",
        {**params, "owners": [row[0] for row in named]},
    )
    cursor.fetchall()
    return {"count": count, "rows": rows, "owners": owners}
