"""The leaderboard of 12_language_model, as `python -m tinytorch_tools leaderboard` last left it
(leaderboard.json beside the gradebook): the report trains nothing."""

from tinytorch_tools.leaderboard.store import FILE, rows

from ..html import escape, section, table


def leaderboard(data):
    board = data.leaderboard
    if not board["results"]:
        body = "<p>No leaderboard yet: <code>python -m tinytorch_tools leaderboard</code> trains the entries.</p>"
        return section("leaderboard", "Leaderboard", body)
    lines = [[escape(rank), escape(who), escape(bits), escape(detail)] for rank, who, bits, detail in rows(board)]
    budget = f"{board['budget']:,}" if board["budget"] else "an unrecorded number of"
    intro = (
        f"Each student's own TinyGPT, trained by the grader with their entry ({budget} multiply-adds each), "
        "ranked by bits per character on the held-out text: fewer is better. As the last run of "
        f"<code>python -m tinytorch_tools leaderboard</code> left it in {escape(FILE)}."
    )
    return section(
        "leaderboard", "Leaderboard", table(["rank", "student", "bits per character", "details"], lines), intro
    )
