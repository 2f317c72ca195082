"""Courses: course.yaml plus Jupytext Markdown lessons, checked, built into notebooks, released.

Lessons are reviewed as plain text in git and opened by staff as notebooks. Building a
course writes the notebooks and a practice file holding practice-pool questions only; a
course goes to staff as an nbgrader assignment, and collecting it credits its 学时.

Modules: model (course.yaml and lessons), check (citations, quotes, versions, practice ids),
build (notebooks, course.json, practice.json), release (stage, publish, collect, credit 学时),
impact (questions and lessons citing a version no longer in force).
"""

from grader.courses.build import build_courses, lesson_notebook
from grader.courses.check import LessonCitation, check_course, lesson_citations, pinned_versions, superseded_notice
from grader.courses.model import Course, Lesson, courses_dir, load_course, load_courses
from grader.courses.release import (
    CourseCollect,
    collect_course,
    publish_course,
    record_completion,
    release_course,
    stage_course,
    staged_course,
)

__all__ = [
    "Course",
    "CourseCollect",
    "Lesson",
    "LessonCitation",
    "build_courses",
    "check_course",
    "collect_course",
    "courses_dir",
    "lesson_citations",
    "lesson_notebook",
    "load_course",
    "load_courses",
    "pinned_versions",
    "publish_course",
    "record_completion",
    "release_course",
    "stage_course",
    "staged_course",
    "superseded_notice",
]
