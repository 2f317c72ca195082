"""A fictional district civil-affairs bureau for the demo: staff, departments, categories.

Names are made up from common characters with a fixed seed, so every run shows the same
bureau; nothing here is real personal data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐韩冯邓曹彭曾肖田董潘袁蔡蒋余叶程苏吕魏"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文斌慧琳晨婷宇浩凯雪梅海燕"
DEPARTMENTS = [
    ("办公室", 7),
    ("社会救助科", 9),
    ("社会事务科", 8),
    ("社会组织管理科", 8),
    ("养老服务科", 7),
    ("基层政权和社区建设科", 7),
    ("婚姻登记处", 6),
    ("救助管理站", 8),
]
CATEGORY_WEIGHTS = [("领导干部", 1), ("公务员", 4), ("事业人员", 3), ("执法人员", 2), ("其他", 1)]


@dataclass(frozen=True)
class Person:
    staff_id: str
    name: str
    department: str
    category: str


def fictional_bureau(seed: int = 2020) -> list[Person]:
    """About 60 staff in 8 departments, each department headed by a 领导干部."""
    rng = random.Random(seed)
    people, used, n = [], set(), 0
    categories = [c for c, w in CATEGORY_WEIGHTS for _ in range(w) if c != "领导干部"]
    for department, size in DEPARTMENTS:
        for i in range(size):
            n += 1
            while True:
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                if name not in used:
                    used.add(name)
                    break
            category = "领导干部" if i == 0 else rng.choice(categories)
            people.append(Person(f"MZ{n:03d}", name, department, category))
    return people
