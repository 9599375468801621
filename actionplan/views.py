from django.shortcuts import get_object_or_404, render

from actionplan.models import Plan


def plan_list(request):
    plans = Plan.objects.all()
    return render(request, "actionplan/plan_list.html", {"plans": plans})


def plan_detail(request, slug):
    plan = get_object_or_404(Plan, slug=slug)
    return render(request, "actionplan/plan_detail.html", {"plan": plan, "priorities": plan.outline()})
