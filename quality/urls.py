from django.urls import path

from . import views

app_name = "quality"

urlpatterns = [
    path("", views.to_review, name="to_review"),
    path("samples/<int:sample_id>/review/", views.review, name="review"),
    path("reviews/<int:review_id>/correct/", views.correct, name="correct"),
    path("replies/<int:reply_id>/sample/", views.add_sample, name="add_sample"),
    path("mine/", views.mine, name="mine"),
    path("mine/<int:review_id>/seen/", views.mark_seen, name="mark_seen"),
    path("report/", views.report, name="report"),
    path("reviews/", views.all_reviews, name="all_reviews"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("scorecards/publish/", views.publish_scorecard, name="publish_scorecard"),
]
