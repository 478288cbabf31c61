"""Which sales region (华东, 华北…) a place lies in, from the settings' `[regions]` table.

Leads and reps name places every way people write them: a region (华东,
华东区), a province (浙江, 浙江省), a city (杭州, 杭州市), or both
(浙江省杭州市). `region_of` finds the region: a region's own name first,
then a city named in the text, then a province — a city wins over its
province, so a workspace may serve one city of a province from another
region (`"华北" = ["济南"]`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence

# Province-level names (省, 自治区, 直辖市, 特别行政区): the places a city wins over.
PROVINCES = frozenset(
    "北京 天津 上海 重庆 河北 山西 内蒙古 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 "
    "广东 广西 海南 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 香港 澳门 台湾".split()
)
# What may follow a region's name when people write it (华东区, 华东大区, 华东地区).
_REGION_TAILS = ("", "区", "大区", "地区", "片区")


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def region_of(text: str | None, table: Mapping[str, Sequence[str]]) -> str | None:
    """The region of `table` that `text` names or lies in; None when it names none."""
    if not text or not text.strip():
        return None
    key = _norm(text)
    for region in table:
        if key in {_norm(region + tail) for tail in _REGION_TAILS}:
            return region
    cities: list[tuple[int, int, str]] = []
    provinces: list[tuple[int, int, str]] = []
    for region, places in table.items():
        for place in places:
            at = key.find(_norm(place))
            if at >= 0:
                found = (at, -len(place), region)
                (provinces if place in PROVINCES else cities).append(found)
    for found in (cities, provinces):
        if found:
            return min(found)[2]  # the first named, the longest name at one place
    return None


def same_region(a: str | None, b: str | None, table: Mapping[str, Sequence[str]]) -> bool:
    """Whether two places are in one region (by the table; else when written alike)."""
    if not a or not b:
        return False
    ra, rb = region_of(a, table), region_of(b, table)
    if ra is not None and rb is not None:
        return ra == rb
    return _norm(a) == _norm(b)
