from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from partnerships.models import Partnership, StrategyPriority


def partnership_list(request):
    today = timezone.localdate()
    roots = Partnership.objects.for_tree().with_next_meeting(today).tree()
    return render(request, "partnerships/partnership_list.html", {"roots": roots, "today": today})


def partnership_detail(request, slug):
    partnership = get_object_or_404(Partnership.objects.select_related("parent"), slug=slug)
    today = timezone.localdate()
    boards = {}
    for root in Partnership.objects.for_tree().with_next_meeting(today).tree():
        _index(root, boards)
    node = boards.get(partnership.pk)
    sub_boards = node.children if node else []
    ancestors, parent_id = [], partnership.parent_id
    while parent_id in boards:
        ancestors.insert(0, boards[parent_id])
        parent_id = boards[parent_id].parent_id
    under = [partnership.pk, *(d for board in sub_boards for d in [board.pk, *_descendant_ids(board)])]
    meetings = list(partnership.meetings.all())
    plans = partnership.assured_plans(request.user, today)
    return render(
        request,
        "partnerships/partnership_detail.html",
        {
            "partnership": partnership,
            "plans": plans,
            "rag_summary": Partnership.rolled_up(plans),
            "indicators": list(partnership.indicators.select_related("directorate").order_by("kind", "number", "code")),
            "ancestors": ancestors,
            "sub_boards": sub_boards,
            "priorities": StrategyPriority.objects.filter(owner__in=under).select_related("owner"),
            "upcoming_meetings": [m for m in meetings if m.is_upcoming(today)],
            "past_meetings": [m for m in reversed(meetings) if m.is_past(today)],
            "decisions_by_meeting": partnership.decisions_by_meeting(request.user),
            "today": today,
        },
    )


def _index(board, boards):
    boards[board.pk] = board
    for child in board.children:
        _index(child, boards)


def _descendant_ids(board):
    for child in board.children:
        yield child.pk
        yield from _descendant_ids(child)
