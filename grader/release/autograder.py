#!/usr/bin/env python3
"""autograder.py - Classroom 50's entry point for this workbook.

The runner starts it once per submission in the student's checkout.  It
grades the checkout's student files with the grader of this bundle (the
workbook beside this file: its runtime, tests and Makefile, never the
student's), and writes ./result.json in the classroom50/result/v1 format,
and ./release-body.md with the grader's report.  It exits 0 whenever it
could write them: the grade is in the file.

This runs in the student's own repository on GitHub Actions: the student
controls the workflow and the machine, so none of the grader's guarantees
against a dishonest submission hold there (see grader/INSTRUCTORS.md).
"""
import datetime
import json
import os
import pathlib
import subprocess
import sys
import tempfile

BUNDLE = pathlib.Path(os.environ.get("CLASSROOM50_BUNDLE_DIR") or pathlib.Path(__file__).parent)
TIME_LIMIT = 12 * 60  # seconds, inside the runner's 15 minutes


def labs():
    for line in (BUNDLE / "grader" / "autograder.conf").read_text().splitlines():
        if line.startswith("LABS="):
            return line[5:].strip('"').split()
    return []


def committed():
    p = subprocess.run(["git", "log", "-1", "--format=%cI"], capture_output=True, text=True)
    return p.stdout.strip() if p.returncode == 0 and p.stdout.strip() else now()


def now():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def grade():
    """(results.json of the grader or None, its report)"""
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    cmd = [sys.executable, str(BUNDLE / "grader" / "grade"), "--submission", os.getcwd(),
           "--json", path, "--results", tempfile.mkdtemp()]
    if labs():
        cmd += ["--lab", ",".join(labs())]
    env = dict(os.environ, GRADER_DEADLINE=os.environ.get("GRADER_DEADLINE", str(TIME_LIMIT - 60)))
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=TIME_LIMIT, env=env)
        report = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        report = f"the grader did not finish within {TIME_LIMIT} s"
    try:
        with open(path) as f:
            return json.load(f), report
    except (OSError, ValueError):
        return None, report
    finally:
        os.unlink(path)


def main():
    doc, report = grade()
    tests = [{"test-name": t["name"], "passed": t["status"] == "passed",
              "score": int(t["score"]), "max-score": int(t["max_score"])}
             for t in (doc or {}).get("tests", [])]
    env = os.environ.get
    result = {
        "schema": "classroom50/result/v1",
        "classroom": env("CLASSROOM", ""),
        "assignment": env("ASSIGNMENT", ""),
        "submission": env("SUBMISSION_TAG", ""),
        "commit": env("COMMIT_URL", ""),
        "release": env("RELEASE_URL", ""),
        "review": env("REVIEW_URL", ""),
        "datetime": committed(),
        "graded_at": now(),
        "score": sum(t["score"] for t in tests),
        "max-score": sum(t["max-score"] for t in tests),
        "tests": tests,
    }
    with open("result.json", "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    with open("release-body.md", "w") as f:
        f.write("```\n" + report.replace("```", "'''")[-60000:] + "\n```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
