"""Who may read which per-person data. Every read of feedback goes through here.

The rules (DESIGN.md):

- An answer is readable by the salesperson it is about, once released, with the
  customer's name only where the customer allowed it.
- A reflection is readable by its author, the salesperson the answer is about, and
  by the coach of an active share that includes reflections.
- A coach reads, through an active share, exactly the released answers it covers
  (its week window, or the chosen answers) and nothing else of the owner's. The
  customer allowed *the salesperson* to know who they are, not a coach, so shared
  answers never carry customer names: every one is dated by week only.
- A coaching note is readable by the salesperson whose answer it is on, and by the
  coach of the share it was written in while that share is active.

Anyone else gets NotVisible, which routes turn into a 404, never a 403, so an id
reveals nothing about whether it exists. Callers import this package only; the
modules inside are how it is organised, not separate services.
"""

from feedback.privacy.items import (
    FeedbackFilter,
    FeedbackItem,
    FeedPage,
    NoteView,
    ScoreCounts,
    SharedView,
    ShareViewEvent,
    Show,
)
from feedback.privacy.own import (
    feedback_item,
    my_conversations,
    my_feedback,
    my_feedback_page,
    my_new_feedback,
    my_reflections,
    my_score_counts,
    named_answer_invitation_ids,
    notes_on_my_answers,
    own_response,
    own_responses,
)
from feedback.privacy.shares import (
    SHARE_VIEW,
    coach_inbox,
    coach_share,
    my_shares,
    own_share,
    share_view_log,
    shared_answer,
    shared_view,
)

__all__ = [
    "SHARE_VIEW",
    "FeedbackFilter",
    "FeedbackItem",
    "FeedPage",
    "NoteView",
    "ScoreCounts",
    "ShareViewEvent",
    "SharedView",
    "Show",
    "coach_inbox",
    "coach_share",
    "feedback_item",
    "my_conversations",
    "my_feedback",
    "my_feedback_page",
    "my_new_feedback",
    "my_reflections",
    "my_score_counts",
    "my_shares",
    "named_answer_invitation_ids",
    "notes_on_my_answers",
    "own_response",
    "own_responses",
    "own_share",
    "share_view_log",
    "shared_answer",
    "shared_view",
]
