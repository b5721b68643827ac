"""Run the official BFCL scorer on one result folder (scorer environment only, one process per run).

usage: score.py RESULT_DIR SCORE_DIR MODEL CATEGORIES PARTIAL
CATEGORIES is comma-separated; PARTIAL is 1 when the result files hold a sample of each category.
"""

import contextlib
import statistics
import sys

from bfcl_eval.eval_checker.eval_runner import main as evaluate


def run() -> None:
    result_dir, score_dir, model, categories, partial = sys.argv[1:6]
    with contextlib.redirect_stdout(sys.stderr):
        try:
            evaluate([model], categories.split(","), result_dir, score_dir, partial_eval=partial == "1")
        except statistics.StatisticsError as exc:
            # The leaderboard CSV's latency statistics need >= 2 entries; the per-category score files
            # are already written by then, so only data_overall.csv is missing.
            sys.stderr.write(f"leaderboard CSV skipped: {exc}\n")


if __name__ == "__main__":
    run()
